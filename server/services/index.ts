import * as access from "../access/index.ts";
import * as cookies from "../auth/cookies.ts";
import * as sessions from "../auth/sessions.ts";
import * as errors from "../errors.ts";
import * as engagement from "../engagement/report.ts";
import * as engagementSettings from "../engagement/settings.ts";
import * as files from "../files/files.ts";
import * as folders from "../files/folders.ts";
import * as feed from "../notifications/feed.ts";
import * as inbox from "../notifications/inbox.ts";
import * as preferences from "../notifications/preferences.ts";
import * as dealTeam from "../sales/deal-team.ts";
import * as deliveryTeam from "../sales/delivery-team.ts";
import * as forms from "../sales/forms.ts";
import * as handoffRecord from "../sales/handoff-record.ts";
import * as moves from "../sales/moves.ts";
import * as pipeline from "../sales/pipeline.ts";
import * as plan from "../sales/plan.ts";
import * as qualification from "../sales/qualification.ts";
import * as stages from "../sales/stages.ts";
import * as stakeholders from "../sales/stakeholders.ts";
import * as targets from "../sales/targets.ts";
import * as forecast from "../sales/forecast.ts";
import * as timeline from "../sales/timeline.ts";
import * as search from "../search.ts";
import * as threadAccess from "../threads/access.ts";
import * as comments from "../threads/comments.ts";
import * as messages from "../threads/messages.ts";
import * as threads from "../threads/threads.ts";
import * as unread from "../threads/unread.ts";
import * as validation from "../validation.ts";
import * as fileCards from "../wiki/file-cards.ts";
import * as pageTemplates from "../wiki/page-templates.ts";
import * as pages from "../wiki/pages.ts";
import * as render from "../wiki/render.ts";
import * as versions from "../wiki/versions.ts";
import * as webhooks from "../webhooks/webhooks.ts";
import * as accounts from "./accounts.ts";
import * as audit from "./audit.ts";
import * as invitations from "./invitations.ts";
import * as members from "./members.ts";
import * as ownership from "./ownership.ts";
import * as participants from "./participants.ts";
import * as roomTemplates from "./room-templates.ts";
import * as rooms from "./rooms.ts";
import * as signInLinks from "./sign-in-links.ts";

/**
 * The domain as the page routes reach it: `context.app.services` (app/load-context.ts).
 * Route modules import nothing from server/ at run time, only types, so the React Router
 * build bundles no domain code and the one copy that server/main.ts loads is the only one
 * that runs (docs/decisions/015-one-domain.md). Each entry is a service module as it is;
 * its functions take the same `(ctx, …)` arguments as from the JSON API.
 */
export const services = {
  access,
  accounts,
  audit,
  cookies,
  dealTeam,
  deliveryTeam,
  engagement,
  engagementSettings,
  errors,
  feed,
  fileCards,
  files,
  folders,
  forms,
  handoffRecord,
  inbox,
  invitations,
  members,
  messages,
  moves,
  ownership,
  pageTemplates,
  pages,
  participants,
  pipeline,
  plan,
  preferences,
  qualification,
  render,
  roomTemplates,
  rooms,
  search,
  sessions,
  signInLinks,
  stages,
  stakeholders,
  targets,
  forecast,
  webhooks,
  threadAccess,
  comments,
  threads,
  timeline,
  unread,
  validation,
  versions,
};

export type Services = typeof services;
