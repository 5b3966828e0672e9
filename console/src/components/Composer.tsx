import { useId, useState } from "react";
import type { FormEvent, KeyboardEvent } from "react";
import { CloseIcon, SendIcon, TemplateIcon } from "./icons";

export interface TemplateDraft {
  name: string;
  language_code: string;
  components: { type: "body"; parameters: { type: "text"; text: string }[] }[];
}

export function templateOf(name: string, language: string, params: string[]): TemplateDraft {
  const values = params.map((p) => p.trim()).filter(Boolean);
  return {
    name: name.trim(),
    language_code: language.trim() || "en_US",
    components: values.length
      ? [{ type: "body", parameters: values.map((text) => ({ type: "text", text })) }]
      : [],
  };
}

function TemplateForm({
  onSend,
  onCancel,
  windowOpen,
}: {
  onSend(t: TemplateDraft): Promise<boolean>;
  onCancel?: () => void;
  windowOpen: boolean;
}) {
  const [name, setName] = useState("");
  const [language, setLanguage] = useState("en_US");
  const [params, setParams] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return;
    setBusy(true);
    const ok = await onSend(templateOf(name, language, params));
    setBusy(false);
    if (ok) {
      setName("");
      setParams([]);
      onCancel?.();
    }
  }

  return (
    <form className="template-form" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <div className="template-head">
        <h3 id={`${id}-title`}>
          <TemplateIcon size={15} /> Send a template
        </h3>
        {onCancel && (
          <button type="button" className="icon-btn" aria-label="Back to the reply box" onClick={onCancel}>
            <CloseIcon size={15} />
          </button>
        )}
      </div>
      {!windowOpen && (
        <p className="template-why">
          The contact last wrote more than 24 hours ago, so WhatsApp only delivers an approved
          template until they write again.
        </p>
      )}
      <div className="template-grid">
        <label className="field">
          <span className="field-label">Template name</span>
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="order_update"
            required
            autoComplete="off"
            spellCheck={false}
          />
        </label>
        <label className="field field-narrow">
          <span className="field-label">Language</span>
          <input
            value={language}
            onChange={(e) => setLanguage(e.target.value)}
            placeholder="en_US"
            autoComplete="off"
            spellCheck={false}
          />
        </label>
      </div>
      {params.length > 0 && (
        <ol className="template-params-edit">
          {params.map((value, i) => (
            <li key={i}>
              <label className="field field-inline">
                <span className="field-label">{`Body parameter {{${i + 1}}}`}</span>
                <input
                  value={value}
                  onChange={(e) => setParams(params.map((p, j) => (j === i ? e.target.value : p)))}
                />
              </label>
              <button
                type="button"
                className="icon-btn"
                aria-label={`Remove parameter ${i + 1}`}
                onClick={() => setParams(params.filter((_, j) => j !== i))}
              >
                <CloseIcon size={14} />
              </button>
            </li>
          ))}
        </ol>
      )}
      <div className="template-actions">
        <button type="button" className="btn btn-ghost btn-sm" onClick={() => setParams([...params, ""])}>
          Add body parameter
        </button>
        <button type="submit" className="btn btn-primary btn-sm" disabled={busy || !name.trim()}>
          {busy ? "Sending…" : "Send template"}
        </button>
      </div>
    </form>
  );
}

export function Composer({
  windowOpen,
  hint,
  onText,
  onTemplate,
}: {
  windowOpen: boolean;
  hint: string | null;
  onText(text: string): Promise<boolean>;
  onTemplate(t: TemplateDraft): Promise<boolean>;
}) {
  const [text, setText] = useState("");
  const [templating, setTemplating] = useState(false);
  const hintId = useId();

  if (!windowOpen) {
    return (
      <div className="composer composer-template">
        <TemplateForm onSend={onTemplate} windowOpen={false} />
      </div>
    );
  }
  if (templating) {
    return (
      <div className="composer composer-template">
        <TemplateForm onSend={onTemplate} onCancel={() => setTemplating(false)} windowOpen />
      </div>
    );
  }

  async function send(e?: FormEvent) {
    e?.preventDefault();
    const value = text.trim();
    if (!value) return;
    setText("");
    const ok = await onText(value);
    if (!ok) setText((current) => current || value);
  }

  function onKey(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  }

  return (
    <form className="composer" onSubmit={send}>
      {hint && (
        <p className="composer-hint" id={hintId}>
          {hint}
        </p>
      )}
      <div className="composer-box">
        <label className="sr-only" htmlFor={`${hintId}-reply`}>
          Reply
        </label>
        <textarea
          id={`${hintId}-reply`}
          rows={2}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
          placeholder="Write a reply…"
          aria-describedby={hint ? hintId : undefined}
          maxLength={4096}
        />
        <div className="composer-tools">
          <button type="button" className="btn btn-ghost btn-sm" onClick={() => setTemplating(true)}>
            <TemplateIcon size={15} /> Template
          </button>
          <span className="composer-keys" aria-hidden="true">
            Enter sends · Shift+Enter adds a line
          </span>
          <button type="submit" className="btn btn-primary btn-sm" disabled={!text.trim()}>
            <SendIcon size={15} /> Send
          </button>
        </div>
      </div>
    </form>
  );
}
