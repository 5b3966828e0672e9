import { useEffect, useMemo, useRef, useState } from "react";
import { Link, NavLink, useMatch, useSearchParams } from "react-router-dom";
import type { Conversation, User } from "../api/types";
import { secondsSince, shortWhen, waited, initials } from "../format";
import {
  VIEWS,
  displayName,
  handoffReason,
  holderName,
  closeReason,
  priorityBadge,
  statusLabel,
  viewOf,
} from "../inbox";
import type { ListFilters, ViewId } from "../inbox";
import { useConversationList, useNumbers, useOrganizations, useUsers, useViewCount } from "../queries";
import { ROLE_LABEL } from "../roles";
import { useSession } from "../session";
import { useLiveState } from "../live";
import { useNow } from "../useNow";
import { ConversationView } from "./Conversation";
import {
  AgentIcon,
  BotIcon,
  ChatIcon,
  CheckCircleIcon,
  ClockIcon,
  HandIcon,
  LogoMark,
  SearchIcon,
  UserIcon,
} from "./icons";
import { describeError } from "../api/client";

/** The inbox's filters, kept in the address so a reload or a shared link keeps them. */
export function useFilters(): [ListFilters, (change: Partial<ListFilters>) => void, string] {
  const [params, setParams] = useSearchParams();
  const { organizationId, caps } = useSession();
  const filters: ListFilters = {
    view: viewOf(params.get("view")).id,
    number: params.get("number") ?? undefined,
    q: params.get("q") ?? undefined,
    organizationId: caps.pickOrganization ? organizationId : null,
  };
  const update = (change: Partial<ListFilters>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(change)) {
      if (name === "organizationId") continue;
      if (value) next.set(name, String(value));
      else next.delete(name);
    }
    setParams(next, { replace: true });
  };
  return [filters, update, params.toString()];
}

function searchWith(search: string, change: Record<string, string | null>): string {
  const next = new URLSearchParams(search);
  for (const [k, v] of Object.entries(change)) {
    if (v) next.set(k, v);
    else next.delete(k);
  }
  const text = next.toString();
  return text ? `?${text}` : "";
}

function LiveIndicator() {
  const live = useLiveState();
  const [label, text, tone] =
    live.state === "live"
      ? ["Live updates: connected", "Live", "ok"]
      : live.state === "retrying"
        ? [
            `Live updates: reconnecting (${live.reason})`,
            live.inMs > 1500 ? `Reconnecting in ${Math.round(live.inMs / 1000)}s` : "Reconnecting…",
            "warn",
          ]
        : live.state === "stopped"
          ? ["Live updates: off", "Offline", "off"]
          : ["Live updates: connecting", "Connecting…", "warn"];
  return (
    <span className={`live live-${tone}`} role="status" aria-label={label} title={label}>
      <span className="live-dot" aria-hidden="true" />
      <span className="live-text">{text}</span>
    </span>
  );
}

function OrganizationPicker() {
  const { organizationId, setOrganizationId } = useSession();
  const orgs = useOrganizations(true);
  return (
    <label className="org-picker">
      <select
        aria-label="Organization"
        value={organizationId ?? ""}
        onChange={(e) => setOrganizationId(e.target.value || null)}
      >
        <option value="">All organizations</option>
        {(orgs.data ?? []).map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}

function Sections() {
  const inbox = useMatch("/c/:number/:phone");
  const home = useMatch("/");
  return (
    <nav className="sections" aria-label="Sections">
      <NavLink to="/" className={() => `section-link ${inbox || home ? "is-current" : ""}`} aria-current={inbox || home ? "page" : undefined}>
        Inbox
      </NavLink>
      <NavLink to="/flows" className={({ isActive }) => `section-link ${isActive ? "is-current" : ""}`}>
        Flows
      </NavLink>
      <NavLink to="/templates" className={({ isActive }) => `section-link ${isActive ? "is-current" : ""}`}>
        Templates
      </NavLink>
      <NavLink to="/broadcasts" className={({ isActive }) => `section-link ${isActive ? "is-current" : ""}`}>
        Broadcasts
      </NavLink>
      <NavLink to="/analytics" className={({ isActive }) => `section-link ${isActive ? "is-current" : ""}`}>
        Analytics
      </NavLink>
    </nav>
  );
}

export function TopBar() {
  const { user, caps, logout } = useSession();
  if (!user) return null;
  return (
    <header className="topbar">
      <div className="brand">
        <LogoMark />
        <span className="brand-name">PyTake</span>
        <Sections />
      </div>
      <div className="topbar-tools">
        {caps.pickOrganization && <OrganizationPicker />}
        <LiveIndicator />
        {caps.manage && (
          <a className="topbar-link" href="/docs" target="_blank" rel="noreferrer">
            API reference
          </a>
        )}
        <div className="me" title={user.email}>
          <span className="avatar avatar-sm" aria-hidden="true">
            {initials(user.full_name || user.email)}
          </span>
          <span className="me-text">
            <span className="me-name">{user.full_name || user.email}</span>
            <span className="me-role">{ROLE_LABEL[user.role]}</span>
          </span>
        </div>
        <button className="btn btn-ghost btn-sm" type="button" onClick={() => void logout()}>
          Log out
        </button>
      </div>
    </header>
  );
}

const VIEW_ICON: Record<ViewId, () => React.JSX.Element> = {
  waiting: () => <HandIcon />,
  bot: () => <BotIcon />,
  mine: () => <UserIcon />,
  closed: () => <CheckCircleIcon />,
};

function ViewCount({ filters }: { filters: ListFilters }) {
  const count = useViewCount(filters);
  const waiting = filters.view === "waiting" ? (count.data ?? 0) : null;
  useEffect(() => {
    if (waiting === null) return;
    document.title = waiting > 0 ? `(${waiting}) Waiting · PyTake` : "PyTake console";
  }, [waiting]);
  if (count.data === undefined || count.data === 0) return null;
  return (
    <span className={`count ${filters.view === "waiting" ? "count-hot" : ""}`}>
      {count.data > 99 ? "99+" : count.data}
    </span>
  );
}

function Views({ filters, search }: { filters: ListFilters; search: string }) {
  const open = useMatch("/c/:number/:phone");
  const path = open?.pathname ?? "/";
  return (
    <nav className="views" aria-label="Inbox views">
      <ul>
        {VIEWS.map((view) => {
          const current = view.id === filters.view;
          return (
            <li key={view.id}>
              <Link
                to={{ pathname: path, search: searchWith(search, { view: view.id === "waiting" ? null : view.id }) }}
                className={`view-link ${current ? "is-current" : ""}`}
                aria-current={current ? "page" : undefined}
              >
                {VIEW_ICON[view.id]()}
                <span className="view-label">{view.label}</span>
                {(view.id === "waiting" || view.id === "mine") && (
                  <ViewCount filters={{ ...filters, view: view.id, q: undefined }} />
                )}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

function Waited({ since }: { since: string | null }) {
  const now = useNow();
  const seconds = secondsSince(since, now);
  return (
    <span className="waited" title="Waiting for a human">
      <ClockIcon size={13} />
      <span>{waited(seconds)}</span>
    </span>
  );
}

function Row({
  c,
  selected,
  search,
  me,
  people,
}: {
  c: Conversation;
  selected: boolean;
  search: string;
  me: string | undefined;
  people: Map<string, User>;
}) {
  const now = useNow();
  const name = displayName(c);
  const status = statusLabel(c, me);
  const holder = holderName(c.assigned_to, me, people);
  const badge = c.status === "handoff" ? priorityBadge(c.handoff_priority) : null;
  const line =
    c.status === "handoff"
      ? c.handoff_context || handoffReason(c.handoff_reason)
      : c.status === "closed"
        ? closeReason(c.close_reason)
        : [c.flow_name, c.current_node_id].filter(Boolean).join(" · ") ||
          "With the bot";
  return (
    <li>
      <Link
        className={`row ${selected ? "is-selected" : ""} ${c.status === "handoff" && !c.assigned_to ? "is-waiting" : ""}`}
        to={{ pathname: `/c/${encodeURIComponent(c.phone_number_id)}/${encodeURIComponent(c.phone)}`, search: search ? `?${search}` : "" }}
        aria-current={selected ? "true" : undefined}
        aria-label={`${name}, ${status.label}${badge ? `, ${badge.label} priority` : ""}, ${line}`}
      >
        <span className={`avatar tone-${badge?.tone ?? "neutral"}`} aria-hidden="true">
          {initials(c.contact_name) === "#" ? <ChatIcon size={16} /> : initials(c.contact_name)}
        </span>
        <span className="row-body">
          <span className="row-top">
            <span className="row-name">{name}</span>
            <time className="row-time" dateTime={c.last_activity_at} title={new Date(c.last_activity_at).toLocaleString()}>
              {shortWhen(c.last_activity_at, now)}
            </time>
          </span>
          <span className="row-line">{line}</span>
          <span className="row-meta">
            <span className={`pill pill-${status.tone}`} title={holder ? `Assigned to ${holder}` : undefined}>
              {c.status !== "closed" && holder && <AgentIcon size={12} />}
              {c.status !== "closed" && holder ? (holder === "You" ? "With you" : `With ${holder}`) : status.label}
            </span>
            {badge && <span className={`badge badge-${badge.tone}`}>{badge.label}</span>}
            {c.status === "handoff" && c.handoff_at && <Waited since={c.handoff_at} />}
          </span>
        </span>
      </Link>
    </li>
  );
}

function SearchBox({ value, onChange }: { value: string; onChange(v: string): void }) {
  const [text, setText] = useState(value);
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => latest.current(text), 300);
    return () => clearTimeout(timer);
  }, [text, value]);
  return (
    <label className="search">
      <SearchIcon size={15} />
      <input
        type="search"
        aria-label="Search by name or phone"
        placeholder="Search"
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
    </label>
  );
}

function ConversationList({ filters, update, search }: {
  filters: ListFilters;
  update(change: Partial<ListFilters>): void;
  search: string;
}) {
  const { user } = useSession();
  const list = useConversationList(filters);
  const numbers = useNumbers();
  const users = useUsers(filters.organizationId);
  const open = useMatch("/c/:number/:phone");
  const view = viewOf(filters.view);
  const people = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u])), [users.data]);
  const filtered = Boolean(filters.q || filters.number);

  return (
    <section className="list-pane" aria-labelledby="list-title">
      <div className="list-head">
        <div className="list-title-row">
          <h1 id="list-title">{view.label}</h1>
          {list.total > 0 && <span className="list-total">{list.total}</span>}
        </div>
        <div className="list-filters">
          <SearchBox value={filters.q ?? ""} onChange={(q) => update({ q })} />
          <label className="number-filter">
            <select
              aria-label="Number"
              value={filters.number ?? ""}
              onChange={(e) => update({ number: e.target.value })}
            >
              <option value="">All numbers</option>
              {(numbers.data ?? []).map((n) => (
                <option key={n.id} value={n.phone_number_id}>
                  {n.display_name || n.phone_number || n.phone_number_id}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {list.isError && (
        <p className="callout callout-error list-callout" role="alert">
          {describeError(list.error)}
        </p>
      )}
      {list.isPending ? (
        <ul className="rows" aria-label="Loading conversations">
          {[0, 1, 2, 3].map((i) => (
            <li key={i} className="row-skeleton" aria-hidden="true">
              <span className="avatar skeleton" />
              <span className="row-body">
                <span className="skeleton skeleton-line" />
                <span className="skeleton skeleton-line short" />
              </span>
            </li>
          ))}
        </ul>
      ) : list.conversations.length === 0 && !list.isError ? (
        <div className="empty-list">
          <InboxEmptyArt />
          <p>{filtered ? "No conversation matches these filters." : view.empty}</p>
        </div>
      ) : (
        <ul className="rows" aria-label={view.label}>
          {list.conversations.map((c) => (
            <Row
              key={c.id}
              c={c}
              search={search}
              me={user?.id}
              people={people}
              selected={open?.params.phone === c.phone && open?.params.number === c.phone_number_id}
            />
          ))}
          {list.hasNextPage && (
            <li className="more">
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                onClick={() => void list.fetchNextPage()}
                disabled={list.isFetchingNextPage}
              >
                {list.isFetchingNextPage ? "Loading…" : "Show more"}
              </button>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}

function InboxEmptyArt() {
  return (
    <svg width="72" height="56" viewBox="0 0 72 56" aria-hidden="true" className="empty-art">
      <rect x="6" y="10" width="44" height="30" rx="9" fill="var(--surface-2)" />
      <rect x="22" y="20" width="44" height="30" rx="9" fill="var(--accent-soft)" />
      <circle cx="36" cy="35" r="2.6" fill="var(--accent)" />
      <circle cx="44" cy="35" r="2.6" fill="var(--accent)" opacity=".7" />
      <circle cx="52" cy="35" r="2.6" fill="var(--accent)" opacity=".45" />
    </svg>
  );
}

function NothingOpen() {
  return (
    <section className="conversation-pane nothing-open" aria-label="No conversation open">
      <InboxEmptyArt />
      <h2>Pick a conversation</h2>
      <p>New handoffs appear on the left as they happen; the most urgent and longest waiting first.</p>
    </section>
  );
}

/** A section of the console other than the inbox: the top bar over the page. */
export function AppShell({ children }: { children: React.ReactNode }) {
  return (
    <div className="app">
      <TopBar />
      <div className="section-page">{children}</div>
    </div>
  );
}

export function Workspace() {
  const [filters, update, search] = useFilters();
  const open = useMatch("/c/:number/:phone");
  return (
    <div className={`app ${open ? "has-open" : ""}`}>
      <TopBar />
      <div className="workspace">
        <Views filters={filters} search={search} />
        <main className="panes">
          <ConversationList filters={filters} update={update} search={search} />
          {open ? (
            <ConversationView
              key={`${open.params.number}/${open.params.phone}`}
              number={open.params.number ?? ""}
              phone={(open.params.phone ?? "").replace(/^\+/, "")}
              backTo={{ pathname: "/", search: search ? `?${search}` : "" }}
            />
          ) : (
            <NothingOpen />
          )}
        </main>
      </div>
    </div>
  );
}
