// The side form of the selected node: its data fields under the names of flows.md, Meta's
// limits counted while typing, validation issues on the field they name, and one "connect"
// select per source handle (edges without dragging).

import type { FlowDocument, FlowIssue, FlowNode } from "../contract";
import { NODE_LABEL, OPERATORS, RESPONSE_TYPES, isNodeType } from "./catalogue";
import { CheckField, JsonField, NumberField, SelectField, TextField } from "./fields";
import type { FieldIssue } from "./fields";
import { edgesFrom, sourceHandles } from "./handles";
import { MediaUpload } from "./MediaUpload";
import { MAX_BUTTONS, MAX_BUTTON_TITLE, MAX_LIST_ROWS, MAX_ROW_TITLE, MAX_TEXT, limitIssues, rowCount } from "./limits";

type Data = Record<string, unknown>;
type Item = Record<string, unknown>;

export interface NodeFormProps {
  document: FlowDocument;
  node: FlowNode;
  /** Validation issues of this node. */
  issues: FlowIssue[];
  readOnly: boolean;
  /** New data for the node; `group` names the field, so typing into it is one undo step. */
  onData(data: Data, group: string): void;
  onConnect(handleKey: string, target: string | null): void;
  onDelete(): void;
}

function items(value: unknown): Item[] {
  return Array.isArray(value) ? value.filter((v): v is Item => typeof v === "object" && v !== null) : [];
}

function obj(value: unknown): Item {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Item) : {};
}

export function NodeForm({ document: doc, node, issues, readOnly, onData, onConnect, onDelete }: NodeFormProps) {
  const data = node.data ?? {};
  const limits = limitIssues(node);
  const at = (path: string): FieldIssue[] => [
    ...limits.filter((l) => l.field === path).map((l) => ({ message: l.message, severity: "warning" as const })),
    ...issues.filter((i) => i.field === path).map((i) => ({ message: i.message, severity: i.severity })),
  ];
  const set = (key: string, value: unknown) => onData({ ...data, [key]: value }, `${node.id}:${key}`);
  const setIn = (key: string, sub: string, value: unknown) =>
    onData({ ...data, [key]: { ...obj(data[key]), [sub]: value } }, `${node.id}:${key}.${sub}`);
  const setItem = (key: string, index: number, field: string, value: unknown) => {
    const list = items(data[key]).map((it, i) => (i === index ? { ...it, [field]: value } : it));
    onData({ ...data, [key]: list }, `${node.id}:${key}[${index}].${field}`);
  };
  const addItem = (key: string, item: Item) => onData({ ...data, [key]: [...items(data[key]), item] }, `${node.id}:${key}+${Date.now()}`);
  const removeItem = (key: string, index: number) =>
    onData({ ...data, [key]: items(data[key]).filter((_, i) => i !== index) }, `${node.id}:${key}-${Date.now()}`);
  const common = { readOnly };

  const text = (label: string, key: string, opts: { max?: number; multiline?: boolean; hint?: string } = {}) => (
    <TextField label={label} value={data[key]} onChange={(v) => set(key, v)} issues={at(key)} {...opts} {...common} />
  );

  const remover = (label: string, key: string, index: number) =>
    !readOnly && (
      <button type="button" className="btn btn-ghost btn-sm" onClick={() => removeItem(key, index)}>
        Remove {label}
      </button>
    );

  function body() {
    switch (node.type) {
      case "start":
        return <p className="muted small">The conversation starts here. Connect it to the first step.</p>;
      case "message":
        return (
          <>
            {text("Content", "content", { max: MAX_TEXT, multiline: true })}
            <SelectField label="Media type" value={data.mediaType ?? ""} onChange={(v) => set("mediaType", v || undefined)}
              options={[{ value: "", label: "None (text)" }, "image", "video", "document", "audio"]} {...common} />
            {Boolean(data.mediaType) && (
              <>
                {text("Media URL", "mediaUrl", { hint: "A public link, or leave it empty and send a stored file." })}
                {text("Media file", "mediaFile", { hint: "A file kept by PyTake: uploaded to WhatsApp once, then reused." })}
                {!readOnly && <MediaUpload onUploaded={(id) => set("mediaFile", id)} />}
                {text("Caption", "caption", { max: MAX_TEXT, multiline: true })}
                {data.mediaType === "document" && text("Filename", "filename")}
              </>
            )}
          </>
        );
      case "question": {
        const options = items(data.options);
        const validation = obj(data.validation);
        return (
          <>
            {text("Content", "content", { max: MAX_TEXT, multiline: true })}
            {text("Variable name", "variableName")}
            <SelectField label="Response type" value={data.responseType ?? "text"} onChange={(v) => set("responseType", v)}
              options={[...RESPONSE_TYPES]} {...common} />
            {(data.responseType === "options" || options.length > 0) && (
              <fieldset className="ff-group">
                <legend>
                  Options <span className={`ff-count ${options.length > MAX_LIST_ROWS ? "is-over" : ""}`}>
                    {options.length} / {options.length <= MAX_BUTTONS ? `${MAX_BUTTONS} as buttons` : `${MAX_LIST_ROWS} as a list`}
                  </span>
                </legend>
                <FieldIssues issues={at("options")} />
                {options.map((o, i) => (
                  <div key={i} className="ff-item">
                    <TextField label={`Option ${i + 1} value`} value={o.value} onChange={(v) => setItem("options", i, "value", v)} {...common} />
                    <TextField label={`Option ${i + 1} label`} value={o.label} onChange={(v) => setItem("options", i, "label", v)}
                      max={options.length <= MAX_BUTTONS ? MAX_BUTTON_TITLE : undefined} issues={at(`options[${i}].label`)} {...common} />
                    {remover(`option ${i + 1}`, "options", i)}
                  </div>
                ))}
                {!readOnly && (
                  <button type="button" className="btn btn-secondary btn-sm" disabled={options.length >= MAX_LIST_ROWS}
                    onClick={() => addItem("options", { value: `option_${options.length + 1}`, label: `Option ${options.length + 1}` })}>
                    Add option
                  </button>
                )}
              </fieldset>
            )}
            <CheckField label="Required" value={validation.required} onChange={(v) => setIn("validation", "required", v)} {...common} />
            <TextField label="Error message" value={validation.errorMessage} onChange={(v) => setIn("validation", "errorMessage", v)}
              max={MAX_TEXT} issues={at("validation.errorMessage")} {...common} />
            <NumberField label="Max attempts" value={validation.maxAttempts} min={1} onChange={(v) => setIn("validation", "maxAttempts", v)} {...common} />
            <NumberField label="Timeout minutes" value={data.timeoutMinutes} min={1} onChange={(v) => set("timeoutMinutes", v)} issues={at("timeoutMinutes")} {...common} />
          </>
        );
      }
      case "condition": {
        const conditions = items(data.conditions);
        return (
          <>
            <SelectField label="Logic operator" value={data.logicOperator ?? "AND"} onChange={(v) => set("logicOperator", v)} options={["AND", "OR"]} {...common} />
            {conditions.map((c, i) => (
              <fieldset key={i} className="ff-group">
                <legend>Condition {i + 1}</legend>
                <TextField label={`Condition ${i + 1} variable`} value={c.variable} onChange={(v) => setItem("conditions", i, "variable", v)} {...common} />
                <SelectField label={`Condition ${i + 1} operator`} value={c.operator ?? "=="} onChange={(v) => setItem("conditions", i, "operator", v)}
                  options={[...OPERATORS]} {...common} />
                {c.operator !== "is_empty" && c.operator !== "is_not_empty" && (
                  <TextField label={`Condition ${i + 1} value`} value={c.value} onChange={(v) => setItem("conditions", i, "value", v)}
                    issues={at(`conditions[${i}].value`)} {...common} />
                )}
                {conditions.length > 1 && remover(`condition ${i + 1}`, "conditions", i)}
              </fieldset>
            ))}
            {!readOnly && (
              <button type="button" className="btn btn-secondary btn-sm" onClick={() => addItem("conditions", { variable: "", operator: "==", value: "" })}>
                Add condition
              </button>
            )}
          </>
        );
      }
      case "end":
        return text("Content", "content", { max: MAX_TEXT, multiline: true });
      case "set_variable": {
        const vars = items(data.variables);
        return (
          <>
            {vars.map((v, i) => (
              <fieldset key={i} className="ff-group">
                <legend>Variable {i + 1}</legend>
                <TextField label={`Variable ${i + 1} name`} value={v.name} onChange={(x) => setItem("variables", i, "name", x)} {...common} />
                <SelectField label={`Variable ${i + 1} value type`} value={v.valueType ?? "static"} onChange={(x) => setItem("variables", i, "valueType", x)}
                  options={["static", "variable", "expression"]} {...common} />
                <TextField label={`Variable ${i + 1} value`} value={v.value} onChange={(x) => setItem("variables", i, "value", x)} {...common} />
                {remover(`variable ${i + 1}`, "variables", i)}
              </fieldset>
            ))}
            {!readOnly && (
              <button type="button" className="btn btn-secondary btn-sm" onClick={() => addItem("variables", { name: "", valueType: "static", value: "" })}>
                Add variable
              </button>
            )}
          </>
        );
      }
      case "api_call":
      case "webhook": {
        const eh = obj(data.errorHandling);
        return (
          <>
            {text("URL", "url")}
            <SelectField label="Method" value={data.method ?? (node.type === "webhook" ? "POST" : "GET")} onChange={(v) => set("method", v)}
              options={["GET", "POST", "PUT", "PATCH", "DELETE"]} {...common} />
            <JsonField label="Headers" value={data.headers ?? {}} onChange={(v) => set("headers", v)} hint="A JSON object" issues={at("headers")} {...common} />
            {node.type === "api_call" && (
              <JsonField label="Query params" value={data.queryParams ?? {}} onChange={(v) => set("queryParams", v)} hint="A JSON object" {...common} />
            )}
            <JsonField label="Body" value={data.body ?? ""} onChange={(v) => set("body", v)} allowText hint="JSON or text; {{var}} allowed" issues={at("body")} {...common} />
            {node.type === "api_call" && (
              <>
                <NumberField label="Timeout" value={data.timeout} min={1} max={30} onChange={(v) => set("timeout", v)} hint="Seconds, at most 30" issues={at("timeout")} {...common} />
                {text("Response variable", "responseVariable")}
                <SelectField label="On error" value={eh.onError ?? "continue"} onChange={(v) => setIn("errorHandling", "onError", v)}
                  options={["continue", "stop", "retry"]} {...common} />
                <NumberField label="Max retries" value={eh.maxRetries} min={0} onChange={(v) => setIn("errorHandling", "maxRetries", v)} {...common} />
                <NumberField label="Retry delay" value={eh.retryDelay} min={0} onChange={(v) => setIn("errorHandling", "retryDelay", v)} {...common} />
                <TextField label="Fallback value" value={eh.fallbackValue} onChange={(v) => setIn("errorHandling", "fallbackValue", v)} {...common} />
              </>
            )}
          </>
        );
      }
      case "interactive_buttons": {
        const buttons = items(data.buttons);
        return (
          <>
            {text("Body text", "bodyText", { max: MAX_TEXT, multiline: true })}
            {text("Header text", "headerText")}
            {text("Footer text", "footerText")}
            <fieldset className="ff-group">
              <legend>
                Buttons <span className={`ff-count ${buttons.length > MAX_BUTTONS ? "is-over" : ""}`} aria-label={`${buttons.length} of at most ${MAX_BUTTONS} buttons`}>
                  {buttons.length} / {MAX_BUTTONS}
                </span>
              </legend>
              <FieldIssues issues={at("buttons")} />
              {buttons.map((b, i) => (
                <div key={i} className="ff-item">
                  <TextField label={`Button ${i + 1} id`} value={b.id} onChange={(v) => setItem("buttons", i, "id", v)} {...common} />
                  <TextField label={`Button ${i + 1} title`} value={b.title} onChange={(v) => setItem("buttons", i, "title", v)}
                    max={MAX_BUTTON_TITLE} issues={at(`buttons[${i}].title`)} {...common} />
                  {remover(`button ${i + 1}`, "buttons", i)}
                </div>
              ))}
              {!readOnly && (
                <button type="button" className="btn btn-secondary btn-sm" disabled={buttons.length >= MAX_BUTTONS}
                  title={buttons.length >= MAX_BUTTONS ? `WhatsApp shows at most ${MAX_BUTTONS} buttons` : undefined}
                  onClick={() => addItem("buttons", { id: freshId("btn", buttons), title: `Button ${buttons.length + 1}` })}>
                  Add button
                </button>
              )}
            </fieldset>
            {text("Variable name", "variableName")}
          </>
        );
      }
      case "interactive_list":
        return <ListForm data={data} at={at} readOnly={readOnly} text={text} onData={(d, g) => onData(d, `${node.id}:${g}`)} />;
      case "whatsapp_template":
        return (
          <>
            {text("Template name", "templateName")}
            {text("Language code", "languageCode")}
            <JsonField label="Components" value={data.components ?? []} onChange={(v) => set("components", v)} hint="Meta's components array; {{var}} allowed in parameters" {...common} />
          </>
        );
      case "delay":
        return <NumberField label="Delay seconds" value={data.delaySeconds} min={1} onChange={(v) => set("delaySeconds", v)} issues={at("delaySeconds")} {...common} />;
      case "jump":
        return (
          <>
            <SelectField label="Jump type" value={data.jumpType ?? "node"} onChange={(v) => set("jumpType", v)}
              options={[{ value: "node", label: "A node of this flow" }, { value: "flow", label: "Another flow" }]} {...common} />
            {data.jumpType === "flow" ? (
              text("Target flow id", "targetFlowId")
            ) : (
              <SelectField label="Target node" value={data.targetNodeId ?? ""} onChange={(v) => set("targetNodeId", v)} issues={at("targetNodeId")}
                options={[{ value: "", label: "— choose —" }, ...doc.canvas_data.nodes.filter((n) => n.id !== node.id).map((n) => ({ value: n.id, label: `${n.id} (${n.type})` }))]}
                {...common} />
            )}
            {data.jumpType === "flow" && <FieldIssues issues={at("targetFlowId")} />}
          </>
        );
      case "handoff":
        return (
          <>
            {text("Transfer message", "transferMessage", { max: MAX_TEXT, multiline: true })}
            <CheckField label="Send transfer message" value={data.sendTransferMessage} onChange={(v) => set("sendTransferMessage", v)} {...common} />
            <SelectField label="Priority" value={data.priority ?? "normal"} onChange={(v) => set("priority", v)} options={["low", "normal", "high", "urgent"]} {...common} />
            {text("Context message", "contextMessage", { multiline: true })}
          </>
        );
      case "random": {
        const paths = items(data.paths);
        const total = paths.reduce((n, p) => n + (Number(p.weight) || 0), 0);
        return (
          <fieldset className="ff-group">
            <legend>Paths <span className="ff-count">weights total {total}</span></legend>
            {paths.map((p, i) => (
              <div key={i} className="ff-item">
                <TextField label={`Path ${i + 1} id`} value={p.id} onChange={(v) => setItem("paths", i, "id", v)} {...common} />
                <TextField label={`Path ${i + 1} label`} value={p.label} onChange={(v) => setItem("paths", i, "label", v)} {...common} />
                <NumberField label={`Path ${i + 1} weight`} value={p.weight} min={0} onChange={(v) => setItem("paths", i, "weight", v)} {...common} />
                {paths.length > 1 && remover(`path ${i + 1}`, "paths", i)}
              </div>
            ))}
            {!readOnly && (
              <button type="button" className="btn btn-secondary btn-sm" onClick={() => addItem("paths", { id: freshId("path", paths), label: "", weight: 0 })}>
                Add path
              </button>
            )}
          </fieldset>
        );
      }
      default:
        return <JsonField label="Data" value={data} onChange={(v) => onData(obj(v), `${node.id}:data`)} {...common} />;
    }
  }

  const handles = sourceHandles(node);
  const others = doc.canvas_data.nodes.filter((n) => n.id !== node.id && n.type !== "start");
  return (
    <form className="node-form" aria-label={`${node.type} node ${node.id} settings`} onSubmit={(e) => e.preventDefault()}>
      <div className="node-form-head">
        <h2>{isNodeType(node.type) ? NODE_LABEL[node.type] : node.type}</h2>
        <code className="node-form-id">{node.id}</code>
      </div>
      {(issues.length > 0 || limits.length > 0) && (
        <ul className="ff-issues node-form-issues" aria-label="Issues of this node">
          {limits.map((l, i) => (
            <li key={`l${i}`} className="ff-issue is-warning">{l.message}</li>
          ))}
          {issues.map((x, i) => (
            <li key={`v${i}`} className={`ff-issue is-${x.severity}`}>
              {x.field ? <code>{x.field}</code> : null} {x.message}
            </li>
          ))}
        </ul>
      )}
      {body()}
      {handles.length > 0 && (
        <fieldset className="ff-group node-form-connect">
          <legend>Connections</legend>
          {handles.map((h) => {
            const current = edgesFrom(doc, node.id, h.key)[0]?.target ?? "";
            return (
              <SelectField key={h.key} label={h.connectLabel} value={current} readOnly={readOnly}
                onChange={(v) => onConnect(h.key, v || null)}
                options={[
                  { value: "", label: "— not connected —" },
                  ...others.map((n) => ({ value: n.id, label: `${n.id} (${n.type})` })),
                  ...(current && !others.some((n) => n.id === current) ? [{ value: current, label: `${current} (missing)` }] : []),
                ]} />
            );
          })}
        </fieldset>
      )}
      {!readOnly && (
        <button type="button" className="btn btn-danger-ghost btn-sm node-form-delete" onClick={onDelete}>
          Delete node
        </button>
      )}
    </form>
  );
}

function FieldIssues({ issues }: { issues: FieldIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <ul className="ff-issues">
      {issues.map((i, n) => (
        <li key={n} className={`ff-issue is-${i.severity}`}>{i.message}</li>
      ))}
    </ul>
  );
}

function freshId(prefix: string, taken: Item[]): string {
  const ids = new Set(taken.map((t) => String(t.id)));
  for (let n = taken.length + 1; ; n++) if (!ids.has(`${prefix}_${n}`)) return `${prefix}_${n}`;
}

function ListForm({ data, at, readOnly, text, onData }: {
  data: Data;
  at(path: string): FieldIssue[];
  readOnly: boolean;
  text(label: string, key: string, opts?: { max?: number; multiline?: boolean }): React.JSX.Element;
  onData(data: Data, group: string): void;
}) {
  const sections = items(data.sections);
  const total = rowCount(data);
  const allRows = sections.flatMap((s) => items(s.rows));
  const setSections = (next: Item[], group: string) => onData({ ...data, sections: next }, group);
  const setRow = (s: number, r: number, field: string, value: string) =>
    setSections(
      sections.map((sec, i) => (i === s ? { ...sec, rows: items(sec.rows).map((row, j) => (j === r ? { ...row, [field]: value } : row)) } : sec)),
      `sections[${s}].rows[${r}].${field}`,
    );
  let n = 0;
  return (
    <>
      {text("Body text", "bodyText", { max: MAX_TEXT, multiline: true })}
      {text("Button text", "buttonText")}
      {text("Header text", "headerText")}
      {text("Footer text", "footerText")}
      <div className={`ff-count-line ${total > MAX_LIST_ROWS ? "is-over" : ""}`} aria-label={`${total} of at most ${MAX_LIST_ROWS} rows`}>
        Rows in all: {total} / {MAX_LIST_ROWS}
      </div>
      <FieldIssues issues={at("sections")} />
      {sections.map((sec, s) => (
        <fieldset key={s} className="ff-group">
          <legend>Section {s + 1}</legend>
          <TextField label={`Section ${s + 1} title`} value={sec.title} readOnly={readOnly}
            onChange={(v) => setSections(sections.map((x, i) => (i === s ? { ...x, title: v } : x)), `sections[${s}].title`)} />
          {items(sec.rows).map((row, r) => {
            n += 1;
            const k = n;
            return (
              <div key={r} className="ff-item">
                <TextField label={`Row ${k} id`} value={row.id} readOnly={readOnly} onChange={(v) => setRow(s, r, "id", v)} />
                <TextField label={`Row ${k} title`} value={row.title} readOnly={readOnly} max={MAX_ROW_TITLE}
                  issues={at(`sections[${s}].rows[${r}].title`)} onChange={(v) => setRow(s, r, "title", v)} />
                <TextField label={`Row ${k} description`} value={row.description} readOnly={readOnly} onChange={(v) => setRow(s, r, "description", v)} />
                {!readOnly && (
                  <button type="button" className="btn btn-ghost btn-sm"
                    onClick={() => setSections(sections.map((x, i) => (i === s ? { ...x, rows: items(x.rows).filter((_, j) => j !== r) } : x)), `rows-${Date.now()}`)}>
                    Remove row {k}
                  </button>
                )}
              </div>
            );
          })}
          {!readOnly && (
            <button type="button" className="btn btn-secondary btn-sm" disabled={total >= MAX_LIST_ROWS}
              onClick={() => setSections(sections.map((x, i) => (i === s ? { ...x, rows: [...items(x.rows), { id: freshId("row", allRows), title: `Option ${total + 1}`, description: "" }] } : x)), `rows+${Date.now()}`)}>
              Add row to section {s + 1}
            </button>
          )}
        </fieldset>
      ))}
      {!readOnly && (
        <button type="button" className="btn btn-secondary btn-sm" onClick={() => setSections([...sections, { title: "", rows: [] }], `sections+${Date.now()}`)}>
          Add section
        </button>
      )}
      {text("Variable name", "variableName")}
    </>
  );
}
