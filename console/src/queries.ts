// Data from the API through TanStack Query. Every key under "conversations" or "conversation"
// is invalidated by a live event.

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type {
  ConversationDetail,
  ConversationPage,
  Flow,
  Organization,
  User,
  WhatsAppNumber,
} from "./api/types";
import { listQuery, mergePages } from "./inbox";
import type { ListFilters } from "./inbox";
import { useApi, useSession } from "./session";
import { useLiveState } from "./live";

const PER_PAGE = 50;

/** While live updates are down, lists and the open conversation are polled instead. */
function usePollFallback(): number | false {
  const live = useLiveState();
  return live.state === "live" ? false : 10_000;
}

export function useConversationList(filters: ListFilters) {
  const api = useApi();
  const poll = usePollFallback();
  const query = useInfiniteQuery({
    queryKey: ["conversations", "list", filters],
    queryFn: ({ pageParam, signal }) =>
      api.get<ConversationPage>("/conversations", listQuery(filters, pageParam, PER_PAGE), signal),
    initialPageParam: 1,
    getNextPageParam: (last) => (last.page * last.per_page < last.total ? last.page + 1 : undefined),
    refetchInterval: poll,
    placeholderData: (previous) => previous,
  });
  const pages = query.data?.pages ?? [];
  return {
    ...query,
    conversations: mergePages(
      pages.map((p) => p.conversations),
      filters.view,
    ),
    total: pages[0]?.total ?? 0,
  };
}

/** How many conversations a view holds (for the badge beside it). */
export function useViewCount(filters: ListFilters) {
  const api = useApi();
  const poll = usePollFallback();
  return useQuery({
    queryKey: ["conversations", "count", filters],
    queryFn: ({ signal }) =>
      api.get<ConversationPage>("/conversations", listQuery(filters, 1, 1), signal),
    select: (page) => page.total,
    refetchInterval: poll,
  });
}

export function useConversation(number: string | undefined, phone: string | undefined) {
  const api = useApi();
  const poll = usePollFallback();
  return useQuery({
    queryKey: ["conversation", number, phone],
    queryFn: ({ signal }) =>
      api.get<ConversationDetail>(
        `/conversations/${encodeURIComponent(phone ?? "")}`,
        { number, limit: 500 },
        signal,
      ),
    enabled: Boolean(phone),
    refetchInterval: poll,
    placeholderData: (previous, prevQuery) =>
      prevQuery?.queryKey[1] === number && prevQuery?.queryKey[2] === phone ? previous : undefined,
  });
}

export function useNumbers() {
  const api = useApi();
  const { organizationId, caps } = useSession();
  return useQuery({
    queryKey: ["numbers"],
    queryFn: ({ signal }) =>
      api.get<{ numbers: WhatsAppNumber[] }>("/whatsapp/", { per_page: 100 }, signal),
    staleTime: 60_000,
    select: (page) =>
      page.numbers.filter(
        (n) => !caps.pickOrganization || !organizationId || n.organization_id === organizationId,
      ),
  });
}

export function useOrganizations(enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: ["organizations"],
    queryFn: ({ signal }) =>
      api.get<{ organizations: Organization[] }>("/organizations", { per_page: 100 }, signal),
    enabled,
    staleTime: 60_000,
    select: (page) => page.organizations,
  });
}

/** The organization's people (to show who has a conversation, and to assign one). */
export function useUsers(organizationId: string | null | undefined) {
  const api = useApi();
  const { caps } = useSession();
  return useQuery({
    queryKey: ["users", organizationId ?? "own"],
    queryFn: ({ signal }) =>
      api.get<{ users: User[] }>(
        "/users",
        { per_page: 100, organization_id: caps.pickOrganization ? organizationId : undefined },
        signal,
      ),
    staleTime: 60_000,
    select: (page) =>
      page.users.filter((u) => !organizationId || u.organization_id === organizationId),
  });
}

export function useFlows(chatbotId: string | null | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: ["flows", chatbotId],
    queryFn: ({ signal }) =>
      api.get<{ flows: Flow[] }>("/flows", { chatbot_id: chatbotId, per_page: 100 }, signal),
    enabled: Boolean(chatbotId),
    staleTime: 30_000,
    select: (page) => page.flows,
  });
}

export function useFlow(flowId: string | null | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: ["flow", flowId],
    queryFn: ({ signal }) => api.get<Flow>(`/flows/${flowId}`, undefined, signal),
    enabled: Boolean(flowId),
    staleTime: 5 * 60_000,
    retry: false,
  });
}
