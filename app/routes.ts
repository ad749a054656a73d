import { type RouteConfig, index, route } from "@react-router/dev/routes";

export default [
  index("routes/home.tsx"),
  route("signup", "routes/signup.tsx"),
  route("login", "routes/login.tsx"),
  route("logout", "routes/logout.tsx"),
  route("rooms", "routes/rooms._index.tsx"),
  // The room: header and tabs around its sections.
  route("rooms/:roomId", "routes/rooms.$roomId.tsx", [
    index("routes/rooms.$roomId._index.tsx"),
    route("edit", "routes/rooms.$roomId.edit.tsx"),
    // The wiki lives under the Pages tab.
    route("pages", "routes/rooms.$roomId.pages.tsx", [
      index("routes/rooms.$roomId.pages._index.tsx"),
      route(":pageId", "routes/rooms.$roomId.pages.$pageId.tsx", [route("history", "routes/rooms.$roomId.pages.$pageId.history.tsx")]),
    ]),
    // Discussions and the room's activity feed.
    route("threads", "routes/rooms.$roomId.threads.tsx", [
      index("routes/rooms.$roomId.threads._index.tsx"),
      route(":threadId", "routes/rooms.$roomId.threads.$threadId.tsx"),
    ]),
    route("activity", "routes/rooms.$roomId.activity.tsx"),
    // The sales process: the stage timeline (everyone), and moving the stage with its hand-off forms (the owner).
    route("timeline", "routes/rooms.$roomId.timeline.tsx"),
    route("stage", "routes/rooms.$roomId.stage.tsx"),
    // The mutual action plan both sides work, and the seller's internal planning (internal readers only).
    route("plan", "routes/rooms.$roomId.plan.tsx"),
    route("planning", "routes/rooms.$roomId.planning.tsx"),
    // The hand-off record: what a delivery engineer reads first (everyone in the room, scoped).
    route("handoff", "routes/rooms.$roomId.handoff.tsx"),
    // Owners and organization admins: who was let in, refused, shared and downloaded.
    route("audit", "routes/rooms.$roomId.audit.tsx"),
    // Who read what and for how long (internal only), and each participant's own figures (everyone).
    route("engagement", "routes/rooms.$roomId.engagement.tsx"),
    route("engagement/me", "routes/rooms.$roomId.engagement.me.tsx"),
    // The file library: one folder level per view, and one file with its versions.
    route("files", "routes/rooms.$roomId.files.tsx"),
    route("files/:fileId", "routes/rooms.$roomId.files.$fileId.tsx"),
  ]),
  route("invite/:token", "routes/invite.$token.tsx"),
  route("sign-in/:token", "routes/sign-in.$token.tsx"),
  route("outbox", "routes/outbox.tsx"),
  // Pipeline insight for the organization's members (decision 021); guests are refused with 404.
  route("pipeline", "routes/pipeline.tsx"),
  // Organization settings, for its admins (?org=<id> when they administer several).
  route("settings", "routes/settings.tsx", [
    index("routes/settings._index.tsx"),
    route("members", "routes/settings.members.tsx"),
    route("stages", "routes/settings.stages.tsx"),
    route("delivery-team", "routes/settings.delivery-team.tsx"),
    route("templates", "routes/settings.templates.tsx"),
    route("targets", "routes/settings.targets.tsx"),
    route("forecast", "routes/settings.forecast.tsx"),
    route("engagement", "routes/settings.engagement.tsx"),
    route("webhooks", "routes/settings.webhooks.tsx"),
  ]),
  route("notifications", "routes/notifications.tsx"),
  route("notifications/count", "routes/notifications.count.tsx"),
] satisfies RouteConfig;
