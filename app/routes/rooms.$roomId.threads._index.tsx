import { redirect, useRouteLoaderData } from "react-router";
import type { Route } from "./+types/rooms.$roomId.threads._index";
import type { loader as roomLoader } from "./rooms.$roomId.tsx";
import { ChatIcon } from "../components/icons.tsx";
import { NewThreadForm } from "../components/threads/new-thread-form.tsx";
import { attempt, formFields, orErrorPage } from "../lib/actions.server.ts";
import { actorContext } from "../lib/session.server.ts";

/** The Threads tab's start: a new thread form (for commenters and up), or what threads are for. */
export async function loader({ request, context, params }: Route.LoaderArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  return orErrorPage(async () => {
    const standing = await services.access.loadStanding(ctx.sql, ctx.actor, params.roomId);
    const canStartInternal = services.access.can(standing, "thread.createInternal");
    const [pages, shared, internal] = await Promise.all([
      services.pages.listPages(ctx, params.roomId),
      services.threadAccess.mentionableUsers(ctx, params.roomId, "shared"),
      canStartInternal ? services.threadAccess.mentionableUsers(ctx, params.roomId, "internal") : [],
    ]);
    return {
      canStart: services.access.can(standing, "thread.create"),
      canStartInternal,
      pages: pages.map((p) => ({ id: p.id, title: p.title, visibility: p.visibility })),
      people: { shared, internal },
      defaultPageId: new URL(request.url).searchParams.get("page") ?? undefined,
    };
  });
}

export async function action({ request, context, params }: Route.ActionArgs) {
  const { services } = context.app;
  const ctx = actorContext(request, context);
  const { title = "", visibility = "", body = "", pageId = "" } = await formFields(request);
  return attempt(
    async () => {
      const thread = await services.threads.createThread(ctx, params.roomId, { title, visibility, body, pageId: pageId || null });
      return redirect(`/rooms/${thread.roomId}/threads/${thread.id}`);
    },
    { intent: "create", values: { title, visibility, body, pageId } },
  );
}

export default function ThreadsIndex({ loaderData, actionData }: Route.ComponentProps) {
  const room = useRouteLoaderData<typeof roomLoader>("routes/rooms.$roomId")?.room;
  const failed = actionData && "ok" in actionData && !actionData.ok ? actionData : null;
  if (!loaderData.canStart) {
    return (
      <section className="card threads-empty">
        <ChatIcon size={28} />
        <h2>Discussions</h2>
        <p className="muted">
          Questions and decisions about {room?.account ?? "this deal"} live here. Pick a thread on the left; your role lets you read them.
        </p>
      </section>
    );
  }
  return (
    <NewThreadForm
      canStartInternal={loaderData.canStartInternal}
      pages={loaderData.pages}
      people={loaderData.people}
      defaultPageId={loaderData.defaultPageId}
      error={failed?.error ?? null}
      values={failed && "values" in failed ? failed.values : {}}
    />
  );
}
