import { ArrowLeftIcon, Svg as Frame, type IconProps } from "../icons.tsx";

// Line icons for the sales process, on the shared icon frame (app/components/icons.tsx), 14px by default.
const Svg = ({ size = 14, ...rest }: IconProps & { children: React.ReactNode }) => <Frame size={size} {...rest} />;

export const ArrowRightIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M3 8h10M9 4l4 4-4 4" />
  </Svg>
);
export const ArrowBackIcon = (p: IconProps) => <ArrowLeftIcon size={14} {...p} />;
export const TickIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="m3.5 8.5 3 3 6-7" />
  </Svg>
);
/** Two hands passing a baton: the hand-off stage. */
export const HandoffIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 10h4l2-2h3M14 6h-4L8 8" />
    <path d="M5 13h6" />
  </Svg>
);
export const FormIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="3" y="2" width="10" height="12" rx="1.5" />
    <path d="M5.5 5.5h5M5.5 8h5M5.5 10.5h3" />
  </Svg>
);
export const TrophyIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M5 2.5h6v3a3 3 0 0 1-6 0v-3ZM5 4H3a2 2 0 0 0 2 2.5M11 4h2a2 2 0 0 1-2 2.5M8 8.5V11M5.5 13.5h5M6.5 11h3v2.5h-3z" />
  </Svg>
);
export const CrossIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="m4.5 4.5 7 7M11.5 4.5l-7 7" />
  </Svg>
);
export const ReopenIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M3 8a5 5 0 1 0 1.5-3.5M3 2.5V5h2.5" />
  </Svg>
);
export const UpIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="m4 10 4-4 4 4" />
  </Svg>
);
export const DownIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="m4 6 4 4 4-4" />
  </Svg>
);
