import "@mantine/core/styles.css";
import "@mantine/dates/styles.css";
import "@mantine/notifications/styles.css";
import "./i18n";
import "./app.css";

import { MantineProvider, createTheme, type CSSVariablesResolver } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";

import { ApiError } from "./api/errors";
import App from "./App";
import { SessionProvider } from "./auth/session";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 4xx answers are final; network errors and 5xx get one more try.
      retry: (failures, error) => failures < 1 && !(error instanceof ApiError && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

// Contrast: Mantine's default blue on white is below 4.5:1 for small text; a darker primary shade is not.
const theme = createTheme({ primaryColor: "blue", primaryShade: 8 });
// Mantine's dimmed grey, error red and placeholder grey are under 4.5:1 on white; darker shades pass (WCAG AA).
const cssVariables: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
    "--mantine-color-error": "var(--mantine-color-red-9)",
    "--mantine-color-placeholder": "#6c757d",
    // Text on "light" variants (alerts, light buttons) of the colours we use.
    "--mantine-color-red-light-color": "var(--mantine-color-red-9)",
    "--mantine-color-green-light-color": "#1e6b30",
    "--mantine-color-yellow-light-color": "#8a5a00",
    "--mantine-color-orange-light-color": "#9a3b00",
    "--mantine-color-gray-light-color": "var(--mantine-color-gray-8)",
    "--mantine-color-blue-light-color": "var(--mantine-color-blue-9)",
  },
  dark: {},
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariables}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <SessionProvider>
            <App />
          </SessionProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
