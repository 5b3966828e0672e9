// A contact's media itself, from its short-lived signed link: a photo inline, a player for
// audio and video, a download for a document; "Fetching…" while the fetcher has not stored it,
// the reason when it failed. The link expires (MEDIA_LINK_TTL_S): when the file fails to load,
// the conversation is fetched again for a fresh link, once.

import { createContext, useContext, useEffect, useRef, useState } from "react";
import type { ReactNode } from "react";
import type { MediaRef } from "../api/types";
import { fileSize, fileType } from "../content";
import type { MediaPart } from "../content";
import { ExternalIcon } from "./icons";
import "./media.css";

/** Fetches the open conversation again (fresh media links); resolves when it has. */
export type RefreshMedia = () => Promise<unknown>;

const RefreshContext = createContext<RefreshMedia>(() => Promise.resolve());

export function MediaRefreshProvider({ refresh, children }: { refresh: RefreshMedia; children: ReactNode }) {
  return <RefreshContext.Provider value={refresh}>{children}</RefreshContext.Provider>;
}

type Phase = "ok" | "refreshing" | "broken";

/** A media element's load failures: the first refreshes the link and tries again, the next is final. */
function useReload(url: string | null) {
  const refresh = useContext(RefreshContext);
  const [phase, setPhase] = useState<Phase>("ok");
  const [attempt, setAttempt] = useState(0);
  const retried = useRef(false);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);
  const onError = () => {
    if (retried.current) {
      setPhase("broken");
      return;
    }
    retried.current = true;
    setPhase("refreshing");
    void refresh()
      .catch(() => undefined)
      .then(() => {
        if (!alive.current) return;
        setAttempt((n) => n + 1); // a new element: it loads again even when the link is the same
        setPhase("ok");
      });
  };
  return { phase, onError, key: `${url ?? ""}#${attempt}` };
}

function Broken({ what }: { what: string }) {
  return (
    <p className="media-state media-broken" role="note">
      The {what} could not be loaded. Reopen the conversation to try again.
    </p>
  );
}

function PhotoLink({ part, media }: { part: MediaPart; media: MediaRef & { url: string } }) {
  const { phase, onError, key } = useReload(media.url);
  const what = part.media === "sticker" ? "sticker" : "photo";
  if (phase === "broken") return <Broken what={what} />;
  return (
    <a
      className={`media-thumb-link media-thumb-${part.media}`}
      href={media.url}
      target="_blank"
      rel="noopener noreferrer"
      title="Open full size in a new tab"
    >
      <img
        key={key}
        className="media-thumb"
        src={media.url}
        alt={part.caption ? `${part.label}: ${part.caption}` : part.label}
        loading="lazy"
        onError={onError}
        aria-busy={phase === "refreshing" || undefined}
      />
      <span className="sr-only"> (opens full size in a new tab)</span>
    </a>
  );
}

function Player({ part, media }: { part: MediaPart; media: MediaRef & { url: string } }) {
  const { phase, onError, key } = useReload(media.url);
  if (phase === "broken") return <Broken what={part.media === "video" ? "video" : "recording"} />;
  const common = {
    src: media.url,
    controls: true,
    preload: "metadata" as const,
    "aria-label": part.label,
    onError,
  };
  return part.media === "video" ? (
    <video key={key} className="media-video-player" {...common} />
  ) : (
    <audio key={key} className="media-audio-player" {...common} />
  );
}

function Download({ part, media, icon }: { part: MediaPart; media: MediaRef & { url: string }; icon: ReactNode }) {
  const name = part.filename ?? media.filename ?? part.label;
  const note = [part.fileType ?? fileType(media.mime_type, name), fileSize(media.size)].filter(Boolean).join(" · ");
  return (
    <div className="card-part media-download">
      <span className="media-icon">{icon}</span>
      <span className="media-text">
        <span className="media-label">{name}</span>
        {note && <span className="media-note">{note}</span>}
      </span>
      <a className="btn btn-secondary btn-sm media-download-link" href={media.url} download={name} target="_blank" rel="noopener noreferrer">
        Download<span className="sr-only"> {name}</span> <ExternalIcon size={12} />
      </a>
    </div>
  );
}

/** The file of a message whose media the history knows (`m.media`). */
export function MediaFile({ part, media, icon }: { part: MediaPart; media: MediaRef; icon: ReactNode }) {
  if (media.status === "stored" && media.url) {
    const stored = media as MediaRef & { url: string };
    if (part.media === "image" || part.media === "sticker") return <PhotoLink part={part} media={stored} />;
    if (part.media === "audio" || part.media === "video") {
      return (
        <div className={`media-player media-${part.media}`}>
          <span className="media-player-label">{part.label}</span>
          <Player part={part} media={stored} />
        </div>
      );
    }
    return <Download part={part} media={stored} icon={icon} />;
  }
  const name = part.media === "document" ? (part.filename ?? media.filename ?? part.label) : part.label;
  return (
    <div className={`card-part media-${media.status === "failed" ? "failed" : "pending"}`}>
      <span className="media-icon">{icon}</span>
      <span className="media-text">
        <span className="media-label">{name}</span>
        {media.status === "failed" ? (
          <span className="media-note media-failed-reason">
            Could not be fetched{media.reason ? `: ${media.reason}` : "."}
          </span>
        ) : (
          <span className="media-note" role="status">
            Fetching…
          </span>
        )}
      </span>
    </div>
  );
}
