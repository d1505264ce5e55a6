import "@mantine/core/styles.css";
import "./shared/global.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import {
  MantineProvider,
  createTheme,
  darken,
  rgba,
  defaultVariantColorsResolver,
  parseThemeColor,
  type CSSVariablesResolver,
  type VariantColorsResolver,
} from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { ApiError } from "./api/problem";
import { App } from "./App";

// Darker defaults than Mantine's, for text contrast (WCAG AA) on white and light fills.
// Mantine caps the text of subtle, light and outline buttons at shade 6 (too light on
// white); a shade the app names is the shade it gets.
const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  const named = parsed.isThemeColor && parsed.shade !== undefined && parsed.shade > 6;
  // Filled: Mantine lightens shade 9 on hover (9 -> 8), below 4.5:1 for white text.
  if (named && input.variant === "filled")
    return { ...colors, hover: darken(input.theme.colors[parsed.color][parsed.shade!], 0.15) };
  // Light: Mantine fills a named shade solid (its text then vanishes); a tint of it instead.
  if (named && input.variant === "light") {
    const base = input.theme.colors[parsed.color][parsed.shade!];
    return { ...colors, background: rgba(base, 0.1), hover: rgba(base, 0.16), color: base };
  }
  if (named && ["subtle", "light", "outline", "transparent"].includes(input.variant)) {
    const color = `var(--mantine-color-${parsed.color}-${parsed.shade})`;
    return { ...colors, color, border: input.variant === "outline" ? `1px solid ${color}` : colors.border };
  }
  return colors;
};

const theme = createTheme({
  primaryColor: "blue",
  primaryShade: 8,
  colors: {},
  variantColorResolver,
});

// Error and secondary texts dark enough for 4.5:1 on white (Mantine's red.6 and gray.6 are not).
const resolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    "--mantine-color-error": "var(--mantine-color-red-9)",
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
  },
  dark: {},
});

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

// A page left open across a new release asks for code split off the old one, which is gone:
// load the page again (once for this address), which brings the new release.
window.addEventListener("vite:preloadError", (event) => {
  if (sessionStorage.getItem("erp.reloadedFor") === window.location.href) return;
  event.preventDefault();
  sessionStorage.setItem("erp.reloadedFor", window.location.href);
  window.location.reload();
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={resolver}>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
