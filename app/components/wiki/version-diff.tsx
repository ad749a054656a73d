import { useState } from "react";
import type { DiffBlock } from "../../../server/wiki/diff.ts";

/** Unchanged blocks shown around each change; longer unchanged runs fold away. */
const CONTEXT = 2;

type Row = { kind: "block"; block: DiffBlock; index: number } | { kind: "fold"; blocks: { block: DiffBlock; index: number }[] };

function foldUnchanged(blocks: DiffBlock[]): Row[] {
  const changed = blocks.map((b) => b.change !== "same");
  const near = (i: number) => changed.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some(Boolean);
  const rows: Row[] = [];
  blocks.forEach((block, index) => {
    if (near(index)) {
      rows.push({ kind: "block", block, index });
      return;
    }
    const last = rows[rows.length - 1];
    if (last?.kind === "fold") last.blocks.push({ block, index });
    else rows.push({ kind: "fold", blocks: [{ block, index }] });
  });
  return rows;
}

/**
 * Two versions as one readable text: added words green and underlined, removed words red and
 * struck through. Text is rendered as text (React escapes it); nothing here is HTML.
 */
export function VersionDiff({ blocks, fromLabel, toLabel }: { blocks: DiffBlock[]; fromLabel: string; toLabel: string }) {
  const added = blocks.filter((b) => b.change === "added").length;
  const removed = blocks.filter((b) => b.change === "removed").length;
  const changed = blocks.filter((b) => b.change === "changed").length;
  const counts = [
    { n: changed, label: changed === 1 ? "block changed" : "blocks changed", className: undefined },
    { n: added, label: "added", className: "wiki-diff-count-added" },
    { n: removed, label: "removed", className: "wiki-diff-count-removed" },
  ].filter((c) => c.n > 0);

  return (
    <div className="wiki-diff" data-testid="version-diff">
      <p className="wiki-diff-summary">
        From <strong>{fromLabel}</strong> to <strong>{toLabel}</strong>:{" "}
        {counts.length === 0 ? "no differences in the text." : counts.map((c, i) => (
          <span key={c.label} className={c.className}>
            {i > 0 && " · "}
            {c.n} {c.label}
          </span>
        ))}
      </p>
      <div className="wiki-diff-body">
        {foldUnchanged(blocks).map((row) =>
          row.kind === "block" ? <DiffLine key={row.index} block={row.block} /> : <Fold key={`fold-${row.blocks[0]!.index}`} blocks={row.blocks} />,
        )}
      </div>
    </div>
  );
}

function DiffLine({ block }: { block: DiffBlock }) {
  return (
    <div className={`wiki-diff-block wiki-diff-${block.change}`}>
      <span className="wiki-diff-gutter" aria-hidden="true">
        {block.change === "added" ? "+" : block.change === "removed" ? "−" : block.change === "changed" ? "~" : ""}
      </span>
      <div className="wiki-diff-text">
        {block.segments.map((segment, i) =>
          segment.type === "added" ? (
            <ins key={i}>{segment.text}</ins>
          ) : segment.type === "removed" ? (
            <del key={i}>{segment.text}</del>
          ) : (
            <span key={i}>{segment.text}</span>
          ),
        )}
      </div>
    </div>
  );
}

function Fold({ blocks }: { blocks: { block: DiffBlock; index: number }[] }) {
  const [open, setOpen] = useState(false);
  if (open) return <>{blocks.map(({ block, index }) => <DiffLine key={index} block={block} />)}</>;
  return (
    <button type="button" className="wiki-diff-fold" onClick={() => setOpen(true)}>
      ⋯ {blocks.length} unchanged {blocks.length === 1 ? "block" : "blocks"}
    </button>
  );
}
