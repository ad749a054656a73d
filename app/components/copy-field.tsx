import { useEffect, useId, useRef, useState } from "react";
import { CheckIcon, CopyIcon } from "./icons.tsx";

/**
 * A read-only value with a Copy button. Without JavaScript (or clipboard access) the text
 * is still there to select by hand.
 */
export function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState(false);

  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // Clipboard API refused (permissions, insecure origin): fall back to the selection.
      input.current?.select();
      document.execCommand("copy");
    }
    setCopied(true);
  }

  return (
    <div className="copy-field">
      <label htmlFor={id} className="visually-hidden">
        {label}
      </label>
      <input id={id} ref={input} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
      <button type="button" className="button secondary small" onClick={copy}>
        {copied ? <CheckIcon /> : <CopyIcon />} {copied ? "Copied" : "Copy"}
      </button>
      <span className="visually-hidden" role="status">
        {copied ? "Link copied to the clipboard" : ""}
      </span>
    </div>
  );
}
