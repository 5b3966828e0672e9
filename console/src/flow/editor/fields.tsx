// Labelled form fields for the node form: each shows its issues (limits broken while typing,
// validation results) under it, and an optional character counter.

import { useEffect, useId, useState } from "react";
import type { ReactNode } from "react";
import { counter } from "./limits";

export interface FieldIssue {
  message: string;
  severity: "error" | "warning";
}

interface Common {
  label: string;
  issues?: FieldIssue[];
  readOnly?: boolean;
  hint?: ReactNode;
}

function Issues({ id, issues }: { id: string; issues: FieldIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul className="ff-issues" id={id}>
      {issues.map((i, n) => (
        <li key={n} className={`ff-issue is-${i.severity}`}>
          {i.message}
        </li>
      ))}
    </ul>
  );
}

export function TextField({
  label, value, onChange, issues = [], readOnly, hint, max, multiline, placeholder,
}: Common & {
  value: unknown;
  onChange(value: string): void;
  max?: number;
  multiline?: boolean;
  placeholder?: string;
}) {
  const id = useId();
  const text = value === undefined || value === null ? "" : String(value);
  const count = max ? counter(text, max) : null;
  const described = [issues.length ? `${id}-issues` : "", count ? `${id}-count` : ""].filter(Boolean).join(" ");
  const props = {
    id,
    value: text,
    readOnly,
    placeholder,
    "aria-invalid": issues.some((i) => i.severity === "error") || count?.over ? true : undefined,
    "aria-describedby": described || undefined,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value),
  };
  return (
    <div className={`ff ${issues.length || count?.over ? "has-issue" : ""}`}>
      <div className="ff-top">
        <label htmlFor={id} className="ff-label">
          {label}
        </label>
        {count && (
          <span id={`${id}-count`} className={`ff-count ${count.over ? "is-over" : ""}`}>
            {count.text}
          </span>
        )}
      </div>
      {multiline ? <textarea rows={3} {...props} /> : <input type="text" {...props} />}
      {hint && <p className="ff-hint">{hint}</p>}
      <Issues id={`${id}-issues`} issues={issues} />
    </div>
  );
}

export function NumberField({
  label, value, onChange, issues = [], readOnly, hint, min, max,
}: Common & { value: unknown; onChange(value: number | undefined): void; min?: number; max?: number }) {
  const id = useId();
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value ? String(value) : "";
  return (
    <div className={`ff ${issues.length ? "has-issue" : ""}`}>
      <label htmlFor={id} className="ff-label">
        {label}
      </label>
      <input
        id={id}
        type="number"
        value={text}
        min={min}
        max={max}
        readOnly={readOnly}
        aria-describedby={issues.length ? `${id}-issues` : undefined}
        onChange={(e) => onChange(e.target.value === "" ? undefined : Number(e.target.value))}
      />
      {hint && <p className="ff-hint">{hint}</p>}
      <Issues id={`${id}-issues`} issues={issues} />
    </div>
  );
}

export function SelectField({
  label, value, onChange, options, issues = [], readOnly, hint,
}: Common & { value: unknown; onChange(value: string): void; options: (string | { value: string; label: string })[] }) {
  const id = useId();
  return (
    <div className={`ff ${issues.length ? "has-issue" : ""}`}>
      <label htmlFor={id} className="ff-label">
        {label}
      </label>
      <select
        id={id}
        value={value === undefined || value === null ? "" : String(value)}
        disabled={readOnly}
        aria-describedby={issues.length ? `${id}-issues` : undefined}
        onChange={(e) => onChange(e.target.value)}
      >
        {options.map((o) => {
          const opt = typeof o === "string" ? { value: o, label: o } : o;
          return (
            <option key={opt.value} value={opt.value}>
              {opt.label}
            </option>
          );
        })}
      </select>
      {hint && <p className="ff-hint">{hint}</p>}
      <Issues id={`${id}-issues`} issues={issues} />
    </div>
  );
}

export function CheckField({ label, value, onChange, readOnly }: Common & { value: unknown; onChange(value: boolean): void }) {
  const id = useId();
  return (
    <div className="ff ff-check">
      <input id={id} type="checkbox" checked={value !== false} disabled={readOnly} onChange={(e) => onChange(e.target.checked)} />
      <label htmlFor={id} className="ff-label">
        {label}
      </label>
    </div>
  );
}

/** A JSON value edited as text: applied while it parses, flagged while it does not. */
export function JsonField({
  label, value, onChange, issues = [], readOnly, hint, allowText,
}: Common & { value: unknown; onChange(value: unknown): void; allowText?: boolean }) {
  const shown = typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value, null, 2);
  const [text, setText] = useState(shown);
  const [bad, setBad] = useState(false);
  useEffect(() => {
    setText((current) => {
      try {
        if (JSON.stringify(JSON.parse(current)) === JSON.stringify(value)) return current;
      } catch {
        if (current === value) return current;
      }
      return shown;
    });
  }, [shown, value]);
  const change = (next: string) => {
    setText(next);
    if (next.trim() === "") {
      setBad(false);
      onChange(allowText ? "" : {});
      return;
    }
    try {
      onChange(JSON.parse(next));
      setBad(false);
    } catch {
      if (allowText) {
        onChange(next);
        setBad(false);
      } else setBad(true);
    }
  };
  const all: FieldIssue[] = bad ? [...issues, { message: "Not valid JSON yet; the last valid value is kept.", severity: "warning" }] : issues;
  return <TextField label={label} value={text} onChange={change} issues={all} readOnly={readOnly} hint={hint} multiline />;
}
