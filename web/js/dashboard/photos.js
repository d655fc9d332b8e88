// Photos of a listing: presigned POST straight to S3 (XMLHttpRequest for the progress bar), then wait for the processor.
import { api } from "../api.js";
import { statusName, t } from "../i18n.js";
import { el, errorText, say, statusBadge } from "../ui.js";

const POLL_MS = 1000;
const POLL_LIMIT_MS = 30000;
const TYPES = ["image/jpeg", "image/png", "image/webp"];

/** Posts every `fields` entry, then the file LAST as `file` (S3 ignores parts after the file). */
export function uploadToS3(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append("file", file);
    const request = new XMLHttpRequest();
    request.open("POST", upload.url);
    request.upload.addEventListener("progress", (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); });
    request.addEventListener("load", () => (request.status >= 200 && request.status < 300
      ? resolve() : reject(new Error(`upload refused (HTTP ${request.status})`))));
    request.addEventListener("error", () => reject(new Error(t("network_error"))));
    request.send(form);
  });
}

/** Polls the listing until the image is ready or rejected (or the time runs out); returns the image or null. */
export async function waitForImage(listingId, imageId) {
  const deadline = Date.now() + POLL_LIMIT_MS;
  while (Date.now() < deadline) {
    const listing = await api(`/listings/${encodeURIComponent(listingId)}`);
    const image = listing.images.find((candidate) => candidate.image_id === imageId);
    if (image && image.status !== "pending") return image;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return null;
}

function imageList(listing, onChange) {
  return el("ul", { class: "images", id: "image-list" }, listing.images.map((image) => el("li", { "data-image-id": image.image_id, "data-status": image.status },
    image.status === "ready" ? el("img", { src: image.urls.thumb, alt: `${t("photos")}: ${listing.title}`, loading: "lazy", width: 112, height: 112 }) : null,
    statusBadge(image.status, statusName(image.status)),
    image.status === "rejected" ? el("span", { class: "error" }, t(`reason_${image.reason}`)) : null,
    el("button", { type: "button", class: "danger", "aria-label": `${t("delete_photo")} ${image.image_id}`, onclick: async () => {
      await api(`/listings/${encodeURIComponent(listing.listing_id)}/images/${encodeURIComponent(image.image_id)}`, { method: "DELETE" });
      onChange();
    } }, t("delete_photo")))));
}

/** The photos panel of one listing; `onChange` reloads the listing editor. */
export function photosPanel(listing, onChange, maxBytes) {
  const fileInput = el("input", { type: "file", id: "photo-file", name: "file", accept: TYPES.join(","), required: true });
  const progress = el("progress", { id: "upload-progress", max: 100, value: 0, hidden: true, "aria-label": t("upload_progress") });
  const status = el("p", { role: "status", "aria-live": "polite", id: "photo-status" });
  const button = el("button", { type: "submit", id: "upload-photo" }, t("upload"));
  const form = el("form", { class: "stack", id: "photo-form" }, el("label", { for: "photo-file" }, t("photo_file"), fileInput), progress, button, status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) return;
    button.disabled = true;
    try {
      if (!TYPES.includes(file.type) || file.size > maxBytes) throw new Error(t("reason_unsupported_type"));
      const grant = await api(`/listings/${encodeURIComponent(listing.listing_id)}/images`, { method: "POST",
        body: { content_type: file.type, size_bytes: file.size } });
      progress.hidden = false;
      say(status, t("uploading"));
      await uploadToS3(grant.upload, file, (fraction) => { progress.value = Math.round(fraction * 100); });
      progress.value = 100;
      say(status, t("processing"));
      const image = await waitForImage(listing.listing_id, grant.image_id);
      if (!image) say(status, t("photo_timeout"), "error");
      else if (image.status === "rejected") say(status, t("photo_rejected", { reason: t(`reason_${image.reason}`) }), "error");
      else say(status, t("photo_ready"));
      fileInput.value = "";
      onChange(status.textContent, status.className === "error");
    } catch (error) {
      say(status, errorText(error), "error");
    } finally {
      button.disabled = false;
    }
  });
  return el("section", { class: "panel", "aria-labelledby": "photos-title" }, el("h3", { id: "photos-title" }, t("photos")),
    imageList(listing, () => onChange()), form);
}
