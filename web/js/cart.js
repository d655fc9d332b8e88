// The cart: {listing_id: {quantity, title, title_ur, price, thumb}} in localStorage (prices refreshed at checkout).
const KEY = "mip.cart";

export function cart() {
  try { return JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (error) { return {}; }
}

function save(value) {
  localStorage.setItem(KEY, JSON.stringify(value));
}

export function addToCart(listing, quantity) {
  const value = cart();
  const line = value[listing.listing_id] || { quantity: 0 };
  const ready = (listing.images || []).find((image) => image.status === "ready");
  value[listing.listing_id] = {
    quantity: Math.min(100, line.quantity + quantity),
    title: listing.title, title_ur: listing.title_ur || null, price: listing.price,
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
