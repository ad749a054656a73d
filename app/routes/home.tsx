import type { Route } from "./+types/home";

export function loader({ context }: Route.LoaderArgs) {
  return { user: context.auth.actor };
}

export default function Home({ loaderData }: Route.ComponentProps) {
  return <main className="centered-page"><h1>Dealroom</h1><p>{loaderData.user ? `Signed in as ${loaderData.user.name}` : "Not signed in"}</p></main>;
}
