import { Link, redirect } from "react-router";
import type { Route } from "./+types/home";
import { ChatIcon, DocIcon, HistoryIcon, ShieldIcon } from "../components/icons.tsx";

export const meta: Route.MetaFunction = () => [
  { title: "Dealroom — one shared room for every deal" },
  { name: "description", content: "A deal room for B2B sales: a live wiki, threads and files shared by the seller's and the buyer's teams." },
];

export function loader({ context }: Route.LoaderArgs) {
  if (context.auth.actor) throw redirect("/rooms");
  return null;
}

const FEATURES = [
  { icon: DocIcon, title: "A live wiki per deal", text: "Requirements, the mutual plan and the proposal, co-edited by both teams as the deal moves." },
  { icon: ShieldIcon, title: "Internal stays internal", text: "Pricing strategy and notes your buyer never sees — not the page, not its title, not its history." },
  { icon: ChatIcon, title: "Threads instead of e-mail", text: "Questions and answers next to the content they are about, with everyone who needs them." },
  { icon: HistoryIcon, title: "A hand-off that holds", text: "When the deal is won, delivery reads what was promised, by whom, and when it changed." },
];

export default function Home() {
  return (
    <main className="landing">
      <section className="hero">
        <p className="eyebrow">Deal rooms for B2B sales</p>
        <h1>One shared room for every deal.</h1>
        <p className="lead">
          Dealroom gives your team and your buyer's team one workspace per opportunity — a live wiki, threads and files —
          with internal notes kept strictly on your side.
        </p>
        <div className="hero-actions">
          <Link to="/signup" className="button primary large">
            Create your workspace
          </Link>
          <Link to="/login" className="button secondary large">
            Sign in
          </Link>
        </div>
      </section>
      <section className="feature-grid" aria-label="What you get">
        {FEATURES.map(({ icon: Icon, title, text }) => (
          <div className="feature" key={title}>
            <span className="feature-icon">
              <Icon size={18} />
            </span>
            <h2>{title}</h2>
            <p>{text}</p>
          </div>
        ))}
      </section>
    </main>
  );
}
