import { Link, isRouteErrorResponse } from "react-router";

/**
 * What a route shows when its loader refused or failed. A room the reader may not see
 * looks exactly like one that does not exist.
 */
export function ErrorPage({ error }: { error: unknown }) {
  let status = 500;
  let title = "Something went wrong";
  let detail = "An unexpected error occurred on our side. Nothing you saved was lost; try again in a moment.";
  if (isRouteErrorResponse(error)) {
    status = error.status;
    if (status === 404) {
      title = "Not found";
      detail = "This page does not exist, or you do not have access to it. If someone shared a link with you, ask them to invite you to the room.";
    } else if (status === 403) {
      title = "Not allowed";
      detail = messageOf(error.data) ?? "You do not have permission to do this.";
    } else {
      title = status >= 500 ? "Something went wrong" : "That did not work";
      detail = messageOf(error.data) ?? detail;
    }
  }
  return (
    <main className="page narrow-page">
      <div className="card error-card" data-status={status}>
        <p className="error-code">{status === 404 ? "404" : status}</p>
        <h1>{title}</h1>
        <p className="muted">{detail}</p>
        <Link className="button primary" to="/rooms">
          Back to your rooms
        </Link>
      </div>
    </main>
  );
}

function messageOf(data: unknown): string | undefined {
  if (typeof data === "string" && data) return data;
  if (data && typeof data === "object" && "message" in data && typeof data.message === "string") return data.message;
  return undefined;
}
