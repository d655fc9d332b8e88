// An artisan's public page: who they are (bio in English and Urdu) and their active listings.
import { api } from "../api.js";
import { categoryLabel, categoryNameMap, listingCard, pagedList } from "../catalog.js";
import { provinceName, t } from "../i18n.js";
import { currency, el, errorText, frame, inLang, param, say, fill } from "../ui.js";

frame("shop");
const content = document.getElementById("content");
const message = document.getElementById("message");

async function start() {
  const id = param("id");
  const artisan = await api(`/artisans/${encodeURIComponent(id)}`);
  document.getElementById("page-title").textContent = artisan.display_name;
  document.title = `${artisan.display_name} – ${t("brand")}`;
  const names = await categoryNameMap();
  const work = el("section", { "aria-labelledby": "work-title" });
  fill(content, 
    el("p", {}, `${await categoryLabel(artisan.craft)} · ${artisan.district}, ${provinceName(artisan.province)}`),
    artisan.bio ? inLang("en", artisan.bio, "p") : null,
    artisan.bio_ur ? inLang("ur", artisan.bio_ur, "p") : null,
    el("h2", { id: "work-title" }, t("artisan_listings")), work);
  await pagedList({ container: work, empty: t("no_results"), render: (listing) => listingCard(listing, names),
    fetchPage: (cursor) => api("/listings", { auth: false, query: { artisan_id: id, currency: currency(), limit: 12, cursor } }) });
}

start().catch((error) => { fill(content); say(message, errorText(error), "error"); });
