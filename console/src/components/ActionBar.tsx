// The conversation's action bar: its buttons, the dialogs they open, and the commands they send.

import { useState } from "react";
import type { ReactNode } from "react";
import type { ActionName, Actions } from "../actions";
import type { ConversationDetail, Flow, User } from "../api/types";
import type { Caps } from "../roles";
import { Modal } from "./Modal";

type Choice = ActionName | "assign-dialog" | "restart-dialog" | "close-dialog";

function ActionButton({
  name,
  busy,
  onClick,
  tone = "default",
  children,
}: {
  name: ActionName;
  busy: ActionName | null;
  onClick(): void;
  tone?: "primary" | "default" | "danger";
  children: ReactNode;
}) {
  const mine = busy === name;
  return (
    <button
      type="button"
      className={`btn btn-sm ${tone === "primary" ? "btn-primary" : tone === "danger" ? "btn-danger-ghost" : "btn-secondary"} ${mine ? "is-busy" : ""}`}
      onClick={onClick}
      disabled={busy !== null}
      aria-busy={mine || undefined}
    >
      {mine && <span className="spinner" aria-hidden="true" />}
      {children}
    </button>
  );
}

function AssignDialog({
  people,
  current,
  onAssign,
  onClose,
}: {
  people: User[];
  current: string | null;
  onAssign(id: string): void;
  onClose(): void;
}) {
  const choices = people.filter((u) => u.is_active && u.role !== "viewer");
  const [chosen, setChosen] = useState(choices.find((u) => u.id !== current)?.id ?? "");
  return (
    <Modal
      title="Assign to an agent"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary btn-sm"
            disabled={!chosen || chosen === current}
            onClick={() => onAssign(chosen)}
          >
            Assign
          </button>
        </>
      }
    >
      {choices.length === 0 ? (
        <p>This organization has no active agent yet.</p>
      ) : (
        <label className="field">
          <span className="field-label">Agent</span>
          <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
            {choices.map((u) => (
              <option key={u.id} value={u.id}>
                {(u.full_name || u.email) + (u.id === current ? " (has it now)" : "")}
              </option>
            ))}
          </select>
        </label>
      )}
      <p className="muted small">They see it under “Mine”; the bot stays paused.</p>
    </Modal>
  );
}

function RestartDialog({
  flows,
  onRestart,
  onClose,
}: {
  flows: Flow[];
  onRestart(flowId: string | null): void;
  onClose(): void;
}) {
  const published = flows.filter((f) => f.published_version != null && f.is_active);
  const [chosen, setChosen] = useState("");
  return (
    <Modal
      title="Restart a flow"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary btn-sm" onClick={() => onRestart(chosen || null)}>
            Restart flow
          </button>
        </>
      }
    >
      <label className="field">
        <span className="field-label">Flow</span>
        <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
          <option value="">The chatbot’s main flow</option>
          {published.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name} (v{f.published_version}){f.is_main ? " · main" : ""}
            </option>
          ))}
        </select>
      </label>
      <p className="muted small">
        Ends what the bot is doing here and starts the flow from its first step: the contact gets
        its first message right away.
      </p>
    </Modal>
  );
}

function CloseDialog({ name, onConfirm, onClose }: { name: string; onConfirm(): void; onClose(): void }) {
  return (
    <Modal
      title="Close this conversation?"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="btn btn-ghost btn-sm" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-danger btn-sm" onClick={onConfirm}>
            Close conversation
          </button>
        </>
      }
    >
      <p>
        The conversation with <strong>{name}</strong> ends. Their next message starts a new one with
        the bot.
      </p>
    </Modal>
  );
}

function ActionButtons({
  detail,
  caps,
  me,
  busy,
  onAction,
}: {
  detail: ConversationDetail;
  caps: Caps;
  me: string | undefined;
  busy: ActionName | null;
  onAction(name: Choice): void;
}) {
  if (!caps.act) return null;
  const c = detail.conversation;
  const open = c.status !== "closed";
  const mine = Boolean(me) && c.assigned_to === me;
  return (
    <div className="actions" role="group" aria-label="Conversation actions">
      {open && !mine && (
        <ActionButton name="takeover" busy={busy} tone="primary" onClick={() => onAction("takeover")}>
          Take over
        </ActionButton>
      )}
      {c.status === "handoff" && (
        <ActionButton name="resume" busy={busy} tone={mine ? "primary" : "default"} onClick={() => onAction("resume")}>
          Give the bot back
        </ActionButton>
      )}
      {open && c.assigned_to && (mine || caps.assignOthers) && (
        <ActionButton name="release" busy={busy} onClick={() => onAction("release")}>
          Release
        </ActionButton>
      )}
      {open && caps.assignOthers && (
        <ActionButton name="assign" busy={busy} onClick={() => onAction("assign-dialog")}>
          Assign to…
        </ActionButton>
      )}
      <ActionButton name="restart" busy={busy} onClick={() => onAction("restart-dialog")}>
        Restart flow…
      </ActionButton>
      {open && (
        <ActionButton name="close" busy={busy} tone="danger" onClick={() => onAction("close-dialog")}>
          Close
        </ActionButton>
      )}
    </div>
  );
}

export function ActionBar({
  detail,
  caps,
  me,
  people,
  flows,
  name,
  actions,
}: {
  detail: ConversationDetail;
  caps: Caps;
  me: string | undefined;
  people: User[];
  flows: Flow[];
  /** The contact's name, for the close dialog. */
  name: string;
  actions: Actions;
}) {
  const c = detail.conversation;
  const [dialog, setDialog] = useState<null | "assign" | "restart" | "close">(null);

  const onAction = (what: Choice) => {
    switch (what) {
      case "takeover":
        void actions.run("takeover", "assign", {}, (d) => d.conversation.assigned_to === me);
        break;
      case "release":
        void actions.run("release", "assign", { release: true }, (d) => !d.conversation.assigned_to);
        break;
      case "resume":
        // The executor lets whoever had it go when the bot takes it back (agent_id null).
        void actions.run(
          "resume",
          "resume",
          {},
          (d) => d.conversation.status !== "handoff" && !d.conversation.assigned_to,
        );
        break;
      case "assign-dialog":
        setDialog("assign");
        break;
      case "restart-dialog":
        setDialog("restart");
        break;
      case "close-dialog":
        setDialog("close");
        break;
      default:
    }
  };

  return (
    <>
      <ActionButtons detail={detail} caps={caps} me={me} busy={actions.busy} onAction={onAction} />
      {actions.error && (
        <div className="callout callout-error conv-error" role="alert">
          <span>{actions.error}</span>
          <button type="button" className="link-btn" onClick={actions.clearError}>
            Dismiss
          </button>
        </div>
      )}
      {dialog === "assign" && (
        <AssignDialog
          people={people}
          current={c.assigned_to}
          onClose={() => setDialog(null)}
          onAssign={(id) => {
            setDialog(null);
            void actions.run("assign", "assign", { agent_id: id }, (d) => d.conversation.assigned_to === id);
          }}
        />
      )}
      {dialog === "restart" && (
        <RestartDialog
          flows={flows}
          onClose={() => setDialog(null)}
          onRestart={(flowId) => {
            setDialog(null);
            const before = c.id;
            void actions.run("restart", "restart", flowId ? { flow_id: flowId } : {}, (d) => d.conversation.id !== before);
          }}
        />
      )}
      {dialog === "close" && (
        <CloseDialog
          name={name}
          onClose={() => setDialog(null)}
          onConfirm={() => {
            setDialog(null);
            void actions.run("close", "close", {}, (d) => d.conversation.status === "closed");
          }}
        />
      )}
    </>
  );
}
