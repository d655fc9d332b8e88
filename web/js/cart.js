// The cart: {line key: {listing_id, variant_id, options, quantity, title, title_ur, price, thumb}} in localStorage
// (prices refreshed at checkout). A line's key is its listing id, or "<listing id>|<variant id>" for a variant.
const KEY = "mip.cart";

export function cart() {
  try { return JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (error) { return {}; }
}

function save(value) {
  localStorage.setItem(KEY, JSON.stringify(value));
}

export const lineKey = (listingId, variantId) => (variantId ? `${listingId}|${variantId}` : listingId);

/** The listing id of a cart line (lines saved before variants carried none: their key is it). */
export const lineListing = (key, line) => line.listing_id || key;

export function addToCart(listing, quantity, variant = null) {
  const value = cart();
  const key = lineKey(listing.listing_id, variant && variant.variant_id);
  const line = value[key] || { quantity: 0 };
  const ready = (listing.images || []).find((image) => image.status === "ready");
  value[key] = {
    listing_id: listing.listing_id, variant_id: variant ? variant.variant_id : null, options: variant ? variant.options : null,
    quantity: Math.min(100, line.quantity + quantity),
    title: listing.title, title_ur: listing.title_ur || null, price: variant ? variant.price : listing.price,
    thumb: ready ? ready.urls.thumb : null,
  };
  save(value);
}

export function setQuantity(listingId, quantity) {
  const value = cart();
  if (!value[listingId]) return;
  if (quantity <= 0) delete value[listingId];
  else value[listingId].quantity = Math.min(100, quantity);
  save(value);
}

export function clearCart() {
  localStorage.removeItem(KEY);
}

export const cartCount = () => Object.values(cart()).reduce((sum, line) => sum + line.quantity, 0);
