// Every node type of the catalogue: click to add below the flow, or drag onto the canvas.

import { NODE_LABEL, NODE_TONE, NODE_TYPES } from "./catalogue";
import type { NodeType } from "./catalogue";
import { DRAG_TYPE } from "./FlowCanvas";

export function Palette({ onAdd }: { onAdd(type: NodeType): void }) {
  return (
    <nav className="palette" aria-label="Node palette">
      <h2 className="palette-title">Add a step</h2>
      <ul>
        {NODE_TYPES.map((type) => (
          <li key={type}>
            <button
              type="button"
              className={`palette-item ftone-${NODE_TONE[type]}`}
              aria-label={`Add ${type} node`}
              title={`Add a ${NODE_LABEL[type].toLowerCase()} step (click, or drag onto the canvas)`}
              draggable
              onDragStart={(e) => {
                e.dataTransfer.setData(DRAG_TYPE, type);
                e.dataTransfer.effectAllowed = "copy";
              }}
              onClick={() => onAdd(type)}
            >
              <span className="palette-dot" aria-hidden="true" />
              {NODE_LABEL[type]}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
