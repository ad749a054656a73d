import { useMemo, useState } from "react";
import { NavLink } from "react-router";
import type { Visibility } from "../../../server/access/policy.ts";
import { VisibilityBadge } from "./visibility-badge.tsx";

/** What the tree needs of a page. */
export interface TreePage {
  id: string;
  title: string;
  visibility: Visibility;
  parentId: string | null;
  archived: boolean;
}

interface Node {
  page: TreePage;
  children: Node[];
}

/** Nests pages under their parents; a page whose parent is not visible (or archived) shows at the top. */
export function buildTree(pages: TreePage[]): Node[] {
  const nodes = new Map(pages.map((page) => [page.id, { page, children: [] as Node[] }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = node.page.parentId ? nodes.get(node.page.parentId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** Ids of the page's ancestors, so the tree opens to the current page. */
function ancestorsOf(pages: TreePage[], id: string | undefined): Set<string> {
  const byId = new Map(pages.map((p) => [p.id, p]));
  const out = new Set<string>();
  let current = id ? byId.get(id) : undefined;
  while (current?.parentId && !out.has(current.parentId)) {
    out.add(current.parentId);
    current = byId.get(current.parentId);
  }
  return out;
}

export function PageTree({ roomId, pages, currentPageId }: { roomId: string; pages: TreePage[]; currentPageId?: string | undefined }) {
  const live = useMemo(() => pages.filter((p) => !p.archived), [pages]);
  const archived = useMemo(() => pages.filter((p) => p.archived), [pages]);
  const tree = useMemo(() => buildTree(live), [live]);
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const openPath = useMemo(() => ancestorsOf(live, currentPageId), [live, currentPageId]);

  const toggle = (id: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const renderNodes = (nodes: Node[], depth: number) => (
    <ul className="wiki-tree-list">
      {nodes.map(({ page, children }) => {
        const isOpen = children.length > 0 && (!collapsed.has(page.id) || openPath.has(page.id));
        return (
          <li key={page.id}>
            <div className="wiki-tree-row" style={{ paddingLeft: `${depth * 14}px` }}>
              {children.length > 0 ? (
                <button
                  type="button"
                  className="wiki-tree-toggle"
                  aria-label={`${isOpen ? "Collapse" : "Expand"} ${page.title}`}
                  aria-expanded={isOpen}
                  onClick={() => toggle(page.id)}
                >
                  <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" style={{ transform: isOpen ? "rotate(90deg)" : undefined }}>
                    <path d="M6 4l4 4-4 4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
                  </svg>
                </button>
              ) : (
                <span className="wiki-tree-spacer" />
              )}
              <NavLink
                to={`/rooms/${roomId}/pages/${page.id}`}
                className={({ isActive }) => `wiki-tree-link${isActive ? " active" : ""}`}
                prefetch="intent"
              >
                <span className="wiki-tree-title">{page.title}</span>
                <VisibilityBadge visibility={page.visibility} />
              </NavLink>
            </div>
            {isOpen && renderNodes(children, depth + 1)}
          </li>
        );
      })}
    </ul>
  );

  return (
    <div className="wiki-tree" data-testid="page-tree">
      {live.length === 0 ? (
        <p className="muted wiki-tree-empty">No pages yet.</p>
      ) : (
        <nav aria-label="Page tree">{renderNodes(tree, 0)}</nav>
      )}
      {archived.length > 0 && (
        <details className="wiki-archived" data-testid="archived-pages" open={archived.some((p) => p.id === currentPageId) || undefined}>
          <summary>Archived ({archived.length})</summary>
          <ul className="wiki-tree-list">
            {archived.map((page) => (
              <li key={page.id}>
                <NavLink
                  to={`/rooms/${roomId}/pages/${page.id}`}
                  className={({ isActive }) => `wiki-tree-link wiki-archived-link${isActive ? " active" : ""}`}
                >
                  <span className="wiki-tree-title">{page.title}</span>
                  <VisibilityBadge visibility={page.visibility} />
                </NavLink>
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
