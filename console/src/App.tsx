import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Route, Routes } from "react-router-dom";
import { ApiClient, ApiError } from "./api/client";
import { Login } from "./components/Login";
import { LogoMark } from "./components/icons";
import { AppShell, Workspace } from "./components/Workspace";
import { AnalyticsPage } from "./analytics/AnalyticsPage";
import { FlowEditorPage } from "./flow/editor/FlowEditor";
import { FlowsPage } from "./flow/editor/FlowsPage";
import { ReplayPage } from "./replay/ReplayPage";
import { LiveProvider } from "./live";
import { ApiProvider, SessionProvider, useSession } from "./session";

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
        <Route path="/flows" element={<AppShell><FlowsPage /></AppShell>} />
        <Route path="/flows/:flowId" element={<AppShell><FlowEditorPage /></AppShell>} />
        <Route path="/analytics" element={<AppShell><AnalyticsPage /></AppShell>} />
        <Route path="/replay/:number/:phone" element={<AppShell><ReplayPage /></AppShell>} />
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
