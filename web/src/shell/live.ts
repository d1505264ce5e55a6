import { createContext, useContext } from "react";
import { pollInterval } from "../api/stream";

export const LiveContext = createContext(false);

/** refetchInterval for data the live stream keeps fresh (polls while it is down). */
export function useLivePoll(): number | false {
  return pollInterval(useContext(LiveContext));
}
