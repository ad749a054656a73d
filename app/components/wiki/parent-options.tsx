import { buildTree, type TreePage } from "./page-tree.tsx";

/**
 * The pages a page can be put inside, indented like the tree. `exclude` and everything under
 * it are left out: a page cannot move inside itself. The server checks this too.
 */
export function ParentOptions({ pages, exclude }: { pages: TreePage[]; exclude?: string | undefined }) {
  const options: { id: string; label: string }[] = [];
  const walk = (nodes: ReturnType<typeof buildTree>, depth: number) => {
    for (const { page, children } of nodes) {
      if (page.id === exclude) continue;
      options.push({ id: page.id, label: `${"\u00a0\u00a0".repeat(depth)}${page.title}${page.visibility === "internal" ? " (internal)" : ""}` });
      walk(children, depth + 1);
    }
  };
  walk(buildTree(pages.filter((p) => !p.archived)), 0);
  return (
    <>
      {options.map((o) => (
        <option key={o.id} value={o.id}>{o.label}</option>
      ))}
    </>
  );
}
