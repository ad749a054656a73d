import { useRouteLoaderData } from "react-router";
import type { loader } from "../routes/rooms.$roomId.tsx";

/**
 * The room, its participants and stages as the room layout loaded them, for the tabs inside it.
 * Tabs still check access in their own loaders: this is for display only.
 */
export function useRoomData() {
  const data = useRouteLoaderData<typeof loader>("routes/rooms.$roomId");
  if (!data) throw new Error("useRoomData is only for routes inside /rooms/:roomId");
  return data;
}
