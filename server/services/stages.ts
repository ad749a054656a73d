// The sales cycle lives in server/sales/stages.ts; this module keeps the old import path working.
export { DEFAULT_STAGES, stagesOf } from "../sales/stages.ts";
