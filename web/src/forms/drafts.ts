import { useEffect, useState } from "react";
import type { Values } from "./types";

const PREFIX = "erp.draft.";

/** Form values kept in localStorage under `key`, so a reload keeps what was typed. */
export function useDraft(key: string, initial: Values = {}) {
  const storageKey = PREFIX + key;
  const [values, setValues] = useState<Values>(() => {
    try {
      const raw = localStorage.getItem(storageKey);
      return raw ? { ...initial, ...(JSON.parse(raw) as Values) } : initial;
    } catch {
      return initial;
    }
  });
  useEffect(() => {
    const handle = setTimeout(() => {
      if (Object.keys(values).length) localStorage.setItem(storageKey, JSON.stringify(values));
    }, 200);
    return () => clearTimeout(handle);
  }, [storageKey, values]);
  const discard = () => {
    localStorage.removeItem(storageKey);
    setValues(initial);
  };
  return { values, setValues, discard, restored: localStorage.getItem(storageKey) !== null };
}
