import { Link, useRouteError, isRouteErrorResponse, useParams } from "react-router";
import type { Route } from "./+types/rooms.$roomId.pages.$pageId.history";
import type { loader as pageLoader } from "./rooms.$roomId.pages.$pageId.tsx";
import { useRouteLoaderData } from "react-router";
import { HistoryPanel } from "../components/wiki/history-panel.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";

/**
 * The page's history beside it: versions, one version read-only (?v=N), or two compared
 * (?from=A&to=B). The editor stays mounted next to it, so a restore arrives there live.
 */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const search = new URL(request.url).searchParams;
  const v = search.get("v");
  const from = search.get("from");
  const to = search.get("to");
  const [versions, version, diff] = await orErrorPage(() =>
    Promise.all([
      services.versions.listVersions(ctx, params.pageId),
      v ? services.versions.getVersion(ctx, params.pageId, v) : null,
      from && to ? services.versions.diffVersions(ctx, params.pageId, from, to) : null,
    ]),
  );
  return { versions, version, diff };
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const { intent = "", label, number } = await formFields(request);
  return attempt(async () => {
    if (intent === "save") {
      const made = await services.versions.createManualVersion(ctx, params.pageId, { label: label ?? null });
      return { ok: true as const, intent, error: null, version: made.version.number, created: made.created };
    }
    if (intent === "restore") {
      const made = await services.versions.restoreVersion(ctx, params.pageId, number);
      return { ok: true as const, intent, error: null, version: made.version.number, created: made.created, restoredFrom: Number(number) };
    }
    return { ok: false as const, intent, error: { code: "invalid", message: "Unknown action." } };
  }, intent);
}

export default function PageHistory({ loaderData, actionData }: Route.ComponentProps) {
  const page = useRouteLoaderData<typeof pageLoader>("routes/rooms.$roomId.pages.$pageId")?.page;
  const { roomId, pageId } = useParams();
  return (
    <HistoryPanel
      base={`/rooms/${roomId}/pages/${pageId}`}
      canEdit={page?.abilities["item.edit"] ?? false}
      versions={loaderData.versions}
      version={loaderData.version}
      diff={loaderData.diff}
      result={actionData ?? null}
    />
  );
}

export function ErrorBoundary() {
  const error = useRouteError();
  const { roomId, pageId } = useParams();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <aside className="wiki-history" aria-label="Page history">
      <div className="alert alert-error" role="alert">
        {notFound ? "That version does not exist." : "The history could not be loaded. Nothing was lost; try again."}
      </div>
      <Link to={`/rooms/${roomId}/pages/${pageId}/history`} className="button small secondary">Back to all versions</Link>
    </aside>
  );
}
