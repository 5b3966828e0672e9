import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { Suspense, lazy } from "react";
import type { ReactNode } from "react";
import { BrowserRouter, Route, Routes } from "react-router-dom";
import { ApiClient, ApiError } from "./api/client";
import { Login } from "./components/Login";
import { LogoMark } from "./components/icons";
import { AppShell, Workspace } from "./components/Workspace";
import { AnalyticsPage } from "./analytics/AnalyticsPage";
import { ReplayPage } from "./replay/ReplayPage";
import { LiveProvider } from "./live";
import { ApiProvider, SessionProvider, useSession } from "./session";

// The flow editor (React Flow, dagre) loads when a Flows page is first opened.
const FlowsPage = lazy(() => import("./flow/editor/FlowsPage").then((m) => ({ default: m.FlowsPage })));
const FlowEditorPage = lazy(() => import("./flow/editor/FlowEditor").then((m) => ({ default: m.FlowEditorPage })));
const BroadcastsPage = lazy(() => import("./broadcasts/BroadcastsPage").then((m) => ({ default: m.BroadcastsPage })));
const BroadcastPage = lazy(() => import("./broadcasts/BroadcastPage").then((m) => ({ default: m.BroadcastPage })));
const TemplatesPage = lazy(() => import("./templates/TemplatesPage").then((m) => ({ default: m.TemplatesPage })));

function Section({ children }: { children: ReactNode }) {
  return (
    <AppShell>
      <Suspense fallback={<main className="splash" aria-busy="true" aria-label="Loading" />}>{children}</Suspense>
    </AppShell>
  );
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        retry: (count, error) =>
          !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 3,
      },
    },
  });
}

function Gate() {
  const { status } = useSession();
  if (status === "restoring") {
    return (
      <main className="splash" aria-busy="true" aria-label="Opening your session">
        <LogoMark size={40} />
      </main>
    );
  }
  if (status === "signed_out") return <Login />;
  return (
    <LiveProvider>
      <Routes>
        <Route path="/flows" element={<Section><FlowsPage /></Section>} />
        <Route path="/flows/:flowId" element={<Section><FlowEditorPage /></Section>} />
        <Route path="/templates" element={<Section><TemplatesPage /></Section>} />
        <Route path="/broadcasts" element={<Section><BroadcastsPage /></Section>} />
        <Route path="/broadcasts/:broadcastId" element={<Section><BroadcastPage /></Section>} />
        <Route path="/analytics" element={<Section><AnalyticsPage /></Section>} />
        <Route path="/replay/:number/:phone" element={<Section><ReplayPage /></Section>} />
        <Route path="*" element={<Workspace />} />
      </Routes>
    </LiveProvider>
  );
}

export function App({ client, queries }: { client: ApiClient; queries: QueryClient }) {
  return (
    <ApiProvider client={client}>
      <QueryClientProvider client={queries}>
        <BrowserRouter basename="/console">
          <SessionProvider>
            <Gate />
          </SessionProvider>
        </BrowserRouter>
      </QueryClientProvider>
    </ApiProvider>
  );
}
