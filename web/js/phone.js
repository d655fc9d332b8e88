// Pakistani mobile numbers as people type them (03001234567, +92 300 1234567, 923001234567, Urdu digits too)
// and as Cognito and the API take them: E.164, +923001234567. Anything else is not a Pakistani mobile number.

/** Typed digits, Urdu (۰-۹) and Arabic-Indic (٠-٩) ones included, as ASCII; spaces, dashes, dots and brackets dropped. */
export function asciiDigits(text) {
  return String(text).replace(/[\u06F0-\u06F9\u0660-\u0669]/g, (c) => String(c.charCodeAt(0) & 0xF)).replace(/[\s\-.()\u200E\u200F]/g, "");
}

/** "+923001234567" for a Pakistani mobile number in any of the usual forms; null for anything else. */
export function normalisePhone(text) {
  const match = asciiDigits(text).match(/^(?:\+92|0092|92|0)(3\d{9})$/);
  return match ? `+92${match[1]}` : null;
}

/**
 * What a person typed in "E-mail or mobile number": {kind: "email", value} (trimmed), {kind: "phone", value: E.164},
 * or null when it is neither an e-mail address nor a Pakistani mobile number.
 */
export function signInName(text) {
  const typed = String(text).trim();
  if (typed.includes("@")) return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(typed) ? { kind: "email", value: typed } : null;
  const phone = normalisePhone(typed);
  return phone ? { kind: "phone", value: phone } : null;
}
