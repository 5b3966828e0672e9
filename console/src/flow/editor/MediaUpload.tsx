// Upload a file to PyTake's media store for a message node (POST /api/v1/media): the node
// then sends it by `mediaFile`, and the sender uploads it to WhatsApp once.
import { useId, useState } from "react";
import { describeError } from "../../api/client";
import { useApi } from "../../session";

interface Uploaded {
  id: string;
  mime_type?: string | null;
  size?: number | null;
}

export function MediaUpload({ onUploaded }: { onUploaded(id: string): void }) {
  const api = useApi();
  const id = useId();
  const [state, setState] = useState<{ busy: boolean; note: string | null; error: string | null }>({
    busy: false,
    note: null,
    error: null,
  });

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setState({ busy: true, note: null, error: null });
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const out = await api.upload<Uploaded>("/media", form);
      onUploaded(out.id);
      setState({ busy: false, note: `Uploaded ${file.name}.`, error: null });
    } catch (exc) {
      setState({ busy: false, note: null, error: describeError(exc) });
    }
  };

  return (
    <div className="ff">
      <div className="ff-top">
        <label htmlFor={id} className="ff-label">
          Upload a file
        </label>
      </div>
      <input
        id={id}
        type="file"
        accept="image/*,video/*,audio/*,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt"
        disabled={state.busy}
        onChange={(e) => void upload(e.target.files?.[0])}
      />
      {(state.busy || state.note) && (
        <p className="ff-hint" role="status">
          {state.busy ? "Uploading…" : state.note}
        </p>
      )}
      {state.error && (
        <p className="ff-issue is-error" role="alert">
          {state.error}
        </p>
      )}
    </div>
  );
}
