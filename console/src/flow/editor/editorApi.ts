// The flow management endpoints the editor calls (analytics service, under /api/v1).

import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../../api/client";
import type { ApiClient } from "../../api/client";
import { useApi } from "../../session";
import type { FlowDocument, FlowIssue, FlowVersionOut, FlowVersionsOut } from "../contract";

/** A flow as GET /flows/{id} returns it. */
export interface FlowOut {
  id: string;
  organization_id: string;
  chatbot_id: string;
  name: string;
  description: string;
  is_main: boolean;
  is_fallback: boolean;
  is_active: boolean;
  canvas_data: unknown;
  variables: Record<string, unknown>;
  published_version: number | null;
  created_at: string;
  updated_at: string;
}

export interface Chatbot {
  id: string;
  name: string;
  description: string;
  is_active: boolean;
  main_flow_id: string | null;
}

interface IssueOut {
  node_id: string | null;
  field: string | null;
  message: string;
}

export interface ValidationOut {
  valid: boolean;
  errors: IssueOut[];
  warnings: IssueOut[];
}

export interface PublishOut {
  id: string;
  version: number;
  published_at: string;
  warnings: IssueOut[];
}

export function asIssues(errors: unknown, warnings: unknown): FlowIssue[] {
  const list = (value: unknown, severity: FlowIssue["severity"]): FlowIssue[] =>
    Array.isArray(value)
      ? value
          .filter((v): v is IssueOut => typeof v === "object" && v !== null && "message" in v)
          .map((v) => ({ node_id: v.node_id ?? null, field: v.field ?? null, message: String(v.message), severity }))
      : [];
  return [...list(errors, "error"), ...list(warnings, "warning")];
}

/** A publish refused with located errors (422 invalid_flow), or null for any other error. */
export function refusedIssues(error: unknown): FlowIssue[] | null {
  if (!(error instanceof ApiError) || error.status !== 422) return null;
  if (!Array.isArray(error.details.errors)) return null;
  return asIssues(error.details.errors, error.details.warnings);
}

export const flowsApi = {
  save: (api: ApiClient, id: string, doc: FlowDocument) =>
    api.request<FlowOut>("PUT", `/flows/${id}`, { body: { canvas_data: doc.canvas_data, variables: doc.variables } }),
  validate: (api: ApiClient, id: string) => api.post<ValidationOut>(`/flows/${id}/validate`),
  publish: (api: ApiClient, id: string) => api.post<PublishOut>(`/flows/${id}/publish`),
  setActive: (api: ApiClient, id: string, active: boolean) =>
    api.post<FlowOut>(`/flows/${id}/${active ? "activate" : "deactivate"}`),
  versions: (api: ApiClient, id: string) => api.get<FlowVersionsOut>(`/flows/${id}/versions`),
  version: (api: ApiClient, id: string, n: number) => api.get<FlowVersionOut>(`/flows/${id}/versions/${n}`),
  create: (api: ApiClient, body: { name: string; chatbot_id: string; canvas_data: unknown }) =>
    api.post<FlowOut>("/flows", body),
};

export function useFlowOut(flowId: string | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: ["flow-editor", flowId],
    queryFn: ({ signal }) => api.get<FlowOut>(`/flows/${flowId}`, undefined, signal),
    enabled: Boolean(flowId),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
    retry: false,
  });
}

export function useChatbots() {
  const api = useApi();
  return useQuery({
    queryKey: ["chatbots"],
    queryFn: ({ signal }) => api.get<{ chatbots: Chatbot[] }>("/chatbots", { per_page: 100 }, signal),
    select: (page) => page.chatbots,
    staleTime: 60_000,
  });
}

export function useFlowList(chatbotId: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: ["flows", chatbotId, "list"],
    queryFn: ({ signal }) =>
      api.get<{ flows: FlowOut[]; total: number }>("/flows", { chatbot_id: chatbotId, per_page: 100 }, signal),
    enabled: Boolean(chatbotId),
    select: (page) => page.flows,
  });
}

export function useVersions(flowId: string, open: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ["flow-versions", flowId],
    queryFn: () => flowsApi.versions(api, flowId),
    enabled: open,
    retry: false,
  });
}
