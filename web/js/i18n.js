// UI strings in English and Urdu; the language lives in localStorage and sets <html lang dir>.
const STRINGS = {
  en: {
    brand: "Made in Pakistan", tagline: "Handmade by Pakistan's artisans", skip: "Skip to content",
    nav_shop: "Shop", nav_cart: "Cart", nav_orders: "My orders", nav_dashboard: "Dashboard", nav_signin: "Sign in",
    nav_signout: "Sign out", lang_switch: "اردو", lang_switch_label: "Switch to Urdu", currency: "Currency",
    loading: "Loading…", error_generic: "Something went wrong. Please try again.", network_error: "Cannot reach the marketplace. Check your connection and try again.",
    browse_title: "Handmade in Pakistan", category: "Craft", all_categories: "All crafts", province: "Province",
    all_provinces: "All provinces", artisan: "Artisan", all_artisans: "All artisans", sort: "Sort by",
    sort_newest: "Newest", sort_price_asc: "Price: low to high", sort_price_desc: "Price: high to low",
    sort_needs_category: "Choose a craft to sort by price.", more: "Show more", no_results: "Nothing here yet.",
    by: "by", in_stock: "In stock", out_of_stock: "Out of stock", stock_left: "{n} left", ships_in: "Ships in {n} days",
    weight: "Weight", weight_grams: "{n} g", description: "Description", details: "Details", quantity: "Quantity",
    add_to_cart: "Add to cart", added_to_cart: "Added to your cart.", view_cart: "View cart", image_n: "Photo {n}",
    show_image: "Show photo {n}", no_image: "No photo yet", price_in_pkr: "Price set by the artisan: {p}",
    artisan_page: "About the artisan", artisan_listings: "Their work", district: "District",
    cart_title: "Your cart", cart_empty: "Your cart is empty.", remove: "Remove", subtotal: "Subtotal",
    shipping: "Shipping", total: "Total", checkout: "Checkout", shipping_address: "Delivery address", name: "Full name",
    phone: "Phone", line1: "Address line 1", line2: "Address line 2 (optional)", city: "City",
    region: "Province / state (optional)", postal_code: "Postal code (optional)", country: "Country",
    payment_method: "Payment method", pay_jazzcash: "JazzCash (PKR)", pay_card: "Card", pay_cod: "Cash on delivery (Pakistan only)",
    charge_currency: "Charge currency", place_order: "Place order", placing_order: "Placing your order…",
    sign_in_to_checkout: "Sign in to check out.", totals_note: "Shipping and the final total are worked out when you order.",
    out_of_stock_error: "Some items are out of stock: {items}", redirecting_payment: "Taking you to the payment page…",
    signin_title: "Sign in", signup_title: "Create an account", email: "E-mail", password: "Password",
    password_hint: "At least 8 characters, with a lower-case letter and a number.", sign_in: "Sign in",
    sign_up: "Create account", have_account: "Already have an account? Sign in", no_account: "New here? Create an account",
    confirm_title: "Confirm your e-mail", confirm_code: "Confirmation code", confirm: "Confirm",
    confirm_hint: "We sent a code to {email}. Enter it here.", signed_in_as: "Signed in as {email}",
    bad_credentials: "The e-mail or password is not right.", user_exists: "An account with this e-mail exists. Sign in instead.",
    not_confirmed: "Confirm your e-mail first.", weak_password: "Choose a longer password with a lower-case letter and a number.",
    staff_signin: "Staff sign-in", staff_signin_title: "Staff sign-in", not_staff: "Not on the team? Ordinary sign-in",
    staff_intro: "For the Made in Pakistan team. After your password you will be asked for the 6-digit code from your authenticator app.",
    staff_unavailable: "Staff sign-in is not available right now.", mfa_title: "Enter your code",
    mfa_hint: "Open your authenticator app and type the 6-digit code it shows for Made in Pakistan.",
    mfa_code: "6-digit code from your authenticator app", mfa_submit: "Verify code",
    mfa_format: "Type the 6 digits your authenticator app shows.",
    mfa_mismatch: "That code is not right. Type the newest code from your authenticator app, and check that your phone's clock is right.",
    mfa_expired: "This sign-in has expired. Enter your password again, then a new code.",
    mfa_setup_needed: "This account needs an authenticator app before it can sign in. Ask a Made in Pakistan administrator to set one up.",
    too_many_attempts: "Too many attempts. Wait a few minutes, then try again.", start_over: "Start again",
    password_reset_needed: "This account's password must be reset. Ask the Made in Pakistan team.",
    orders_title: "My orders", no_orders: "You have no orders yet.", order_title: "Order {id}", order_status: "Status",
    placed_on: "Placed", charged: "Charged", pay_now: "Pay now", cancel_order: "Cancel order", order_cancelled: "The order was cancelled.",
    payment_error: "Last payment attempt failed: {e}", needs_review: "We are checking this payment; we will be in touch.",
    fulfilment: "Delivery", tracking: "Tracking", expires_at: "Pay before", order_not_found: "We could not find this order.",
    st_pending_payment: "Awaiting payment", st_paid: "Paid", st_confirmed: "Confirmed", st_partially_shipped: "Partly shipped",
    st_shipped: "Shipped", st_delivered: "Delivered", st_cancelled: "Cancelled", st_expired: "Expired", st_draft: "Draft",
    st_active: "Live", st_archived: "Archived", st_pending: "Pending", st_ready: "Ready", st_rejected: "Rejected", st_verified: "Verified",
    dash_title: "Artisan dashboard", dash_need_signin: "Sign in with your artisan account to use the dashboard.",
    dash_not_artisan: "This account is not an artisan account. Ask the Made in Pakistan team to add you.",
    dash_staff: "Made in Pakistan team?",
    ops_needs_staff: "Staff actions need an authenticator app: sign in through Staff sign-in and enter its 6-digit code. No authenticator yet? Ask an administrator to set one up.",
    tab_profile: "Profile", tab_listings: "Listings", tab_orders: "Orders", tab_payouts: "Payouts", tab_ops: "Operations",
    profile_title: "Your profile", display_name: "Name shown to buyers", bio: "About you (English)", bio_ur: "About you (Urdu)",
    phone_hint: "Like +923001234567", cnic: "CNIC", cnic_hint: "13 digits like 35202-1234567-1. It is never shown again.",
    cnic_on_file: "A CNIC is on file. Leave empty to keep it.", save_profile: "Save profile", saved: "Saved.",
    verification: "Verification", verification_note: "Note from the team", profile_first: "Create your profile first.",
    listings_title: "Your listings", new_listing: "New listing", edit: "Edit", publish: "Publish", unpublish: "Unpublish",
    archive: "Archive", photos: "Photos", title_en: "Title (English)", title_ur: "Title (Urdu)", description_en: "Description (English)",
    description_ur: "Description (Urdu)", price_rs: "Price (Rs)", stock: "Stock", weight_g: "Weight (grams)",
    processing_days: "Days to make and ship", save_listing: "Save listing", cancel: "Cancel", status: "Status", actions: "Actions",
    no_listings: "No listings yet.", photo_file: "Photo (JPEG, PNG or WebP)", upload: "Upload photo", uploading: "Uploading…",
    upload_progress: "Upload progress", processing: "Checking the photo…", photo_ready: "The photo is ready.",
    photo_rejected: "The photo was refused: {reason}", photo_timeout: "The photo is still being checked. Refresh in a minute.",
    delete_photo: "Delete photo", not_publishable: "To publish, your profile must be verified and the listing needs a ready photo.",
    stale_version: "This listing changed elsewhere. It has been reloaded; please make your change again.",
    reason_not_an_image: "not an image", reason_unsupported_type: "unsupported type", reason_too_large: "too large",
    reason_too_many_pixels: "too many pixels", reason_corrupt: "damaged file",
    incoming_orders: "Orders to send", no_incoming: "No orders yet.", ship: "Mark shipped", carrier: "Carrier",
    tracking_number: "Tracking number", ship_to: "Ship to", shipped_with: "Shipped with {c}: {n}",
    payouts_title: "Payouts", balance: "Balance", no_payouts: "No payouts yet.", amount: "Amount", date: "Date", order: "Order",
    ops_queue: "Artisans awaiting verification", no_pending: "No one is waiting.", approve: "Approve", reject: "Reject",
    note: "Note", fx_title: "Exchange rates (1 PKR =)", save_rates: "Save rates", rates_updated: "Updated {t}",
    required: "Required.", invalid: "Check this field.", item: "Item",
  },
  ur: {
    brand: "میڈ اِن پاکستان", tagline: "پاکستان کے کاریگروں کے ہاتھ کا بنا", skip: "مواد پر جائیں",
    nav_shop: "دکان", nav_cart: "ٹوکری", nav_orders: "میرے آرڈر", nav_dashboard: "ڈیش بورڈ", nav_signin: "سائن اِن",
    nav_signout: "سائن آؤٹ", lang_switch: "English", lang_switch_label: "انگریزی میں دیکھیں", currency: "کرنسی",
    loading: "لوڈ ہو رہا ہے…", error_generic: "کچھ غلط ہو گیا۔ دوبارہ کوشش کریں۔", network_error: "مارکیٹ سے رابطہ نہیں ہو سکا۔ انٹرنیٹ دیکھ کر دوبارہ کوشش کریں۔",
    browse_title: "پاکستان کی دستکاری", category: "دستکاری", all_categories: "تمام دستکاریاں", province: "صوبہ",
    all_provinces: "تمام صوبے", artisan: "کاریگر", all_artisans: "تمام کاریگر", sort: "ترتیب",
    sort_newest: "نئی ترین", sort_price_asc: "قیمت: کم سے زیادہ", sort_price_desc: "قیمت: زیادہ سے کم",
    sort_needs_category: "قیمت سے ترتیب کے لیے دستکاری چنیں۔", more: "مزید دکھائیں", no_results: "ابھی یہاں کچھ نہیں۔",
    by: "از", in_stock: "دستیاب", out_of_stock: "ختم", stock_left: "{n} باقی", ships_in: "{n} دن میں روانگی",
    weight: "وزن", weight_grams: "{n} گرام", description: "تفصیل", details: "معلومات", quantity: "تعداد",
    add_to_cart: "ٹوکری میں ڈالیں", added_to_cart: "ٹوکری میں ڈال دیا گیا۔", view_cart: "ٹوکری دیکھیں", image_n: "تصویر {n}",
    show_image: "تصویر {n} دکھائیں", no_image: "ابھی تصویر نہیں", price_in_pkr: "کاریگر کی مقرر کردہ قیمت: {p}",
    artisan_page: "کاریگر کا تعارف", artisan_listings: "ان کا کام", district: "ضلع",
    cart_title: "آپ کی ٹوکری", cart_empty: "آپ کی ٹوکری خالی ہے۔", remove: "نکالیں", subtotal: "ذیلی کل",
    shipping: "ترسیل", total: "کل", checkout: "آرڈر مکمل کریں", shipping_address: "ترسیل کا پتا", name: "پورا نام",
    phone: "فون", line1: "پتا (سطر 1)", line2: "پتا (سطر 2، اختیاری)", city: "شہر",
    region: "صوبہ / ریاست (اختیاری)", postal_code: "پوسٹل کوڈ (اختیاری)", country: "ملک",
    payment_method: "ادائیگی کا طریقہ", pay_jazzcash: "جاز کیش (روپے)", pay_card: "کارڈ", pay_cod: "ڈیلیوری پر نقد (صرف پاکستان)",
    charge_currency: "ادائیگی کی کرنسی", place_order: "آرڈر دیں", placing_order: "آرڈر دیا جا رہا ہے…",
    sign_in_to_checkout: "آرڈر کے لیے سائن اِن کریں۔", totals_note: "ترسیل اور حتمی کل آرڈر دیتے وقت طے ہوں گے۔",
    out_of_stock_error: "کچھ چیزیں ختم ہو گئیں: {items}", redirecting_payment: "ادائیگی کے صفحے پر لے جا رہے ہیں…",
    signin_title: "سائن اِن", signup_title: "نیا اکاؤنٹ بنائیں", email: "ای میل", password: "پاس ورڈ",
    password_hint: "کم از کم 8 حروف، ایک چھوٹا انگریزی حرف اور ایک عدد۔", sign_in: "سائن اِن",
    sign_up: "اکاؤنٹ بنائیں", have_account: "پہلے سے اکاؤنٹ ہے؟ سائن اِن کریں", no_account: "نئے ہیں؟ اکاؤنٹ بنائیں",
    confirm_title: "ای میل کی تصدیق", confirm_code: "تصدیقی کوڈ", confirm: "تصدیق کریں",
    confirm_hint: "ہم نے {email} پر کوڈ بھیجا ہے۔ یہاں لکھیں۔", signed_in_as: "{email} سے سائن اِن",
    bad_credentials: "ای میل یا پاس ورڈ درست نہیں۔", user_exists: "اس ای میل کا اکاؤنٹ موجود ہے۔ سائن اِن کریں۔",
    not_confirmed: "پہلے ای میل کی تصدیق کریں۔", weak_password: "لمبا پاس ورڈ چنیں جس میں چھوٹا حرف اور عدد ہو۔",
    staff_signin: "عملے کا سائن اِن", staff_signin_title: "عملے کا سائن اِن", not_staff: "ٹیم میں نہیں؟ عام سائن اِن",
    staff_intro: "میڈ اِن پاکستان ٹیم کے لیے۔ پاس ورڈ کے بعد آپ سے تصدیقی ایپ (authenticator) کا 6 ہندسوں کا کوڈ مانگا جائے گا۔",
    staff_unavailable: "عملے کا سائن اِن ابھی دستیاب نہیں۔", mfa_title: "اپنا کوڈ لکھیں",
    mfa_hint: "اپنی تصدیقی ایپ کھولیں اور میڈ اِن پاکستان کے لیے دکھایا گیا 6 ہندسوں کا کوڈ لکھیں۔",
    mfa_code: "تصدیقی ایپ سے 6 ہندسوں کا کوڈ", mfa_submit: "کوڈ کی تصدیق کریں",
    mfa_format: "تصدیقی ایپ میں دکھائے گئے 6 ہندسے لکھیں۔",
    mfa_mismatch: "یہ کوڈ درست نہیں۔ تصدیقی ایپ کا تازہ ترین کوڈ لکھیں، اور دیکھ لیں کہ فون کا وقت درست ہے۔",
    mfa_expired: "یہ سائن اِن ختم ہو گیا۔ پاس ورڈ دوبارہ لکھیں، پھر نیا کوڈ۔",
    mfa_setup_needed: "اس اکاؤنٹ سے سائن اِن کے لیے تصدیقی ایپ ضروری ہے۔ میڈ اِن پاکستان کے منتظم سے اسے ترتیب دینے کو کہیں۔",
    too_many_attempts: "بہت زیادہ کوششیں ہو گئیں۔ چند منٹ رک کر دوبارہ کوشش کریں۔", start_over: "شروع سے سائن اِن کریں",
    password_reset_needed: "اس اکاؤنٹ کا پاس ورڈ نیا بنانا ہو گا۔ میڈ اِن پاکستان ٹیم سے رابطہ کریں۔",
    orders_title: "میرے آرڈر", no_orders: "ابھی کوئی آرڈر نہیں۔", order_title: "آرڈر {id}", order_status: "کیفیت",
    placed_on: "تاریخ", charged: "وصول شدہ", pay_now: "ابھی ادا کریں", cancel_order: "آرڈر منسوخ کریں", order_cancelled: "آرڈر منسوخ ہو گیا۔",
    payment_error: "پچھلی ادائیگی ناکام رہی: {e}", needs_review: "ہم یہ ادائیگی دیکھ رہے ہیں؛ جلد رابطہ کریں گے۔",
    fulfilment: "ترسیل", tracking: "ٹریکنگ", expires_at: "ادائیگی کی آخری مہلت", order_not_found: "یہ آرڈر نہیں ملا۔",
    st_pending_payment: "ادائیگی باقی", st_paid: "ادا شدہ", st_confirmed: "تصدیق شدہ", st_partially_shipped: "جزوی روانہ",
    st_shipped: "روانہ", st_delivered: "پہنچ گیا", st_cancelled: "منسوخ", st_expired: "میعاد ختم", st_draft: "مسودہ",
    st_active: "فعال", st_archived: "محفوظ شدہ", st_pending: "زیرِ غور", st_ready: "تیار", st_rejected: "مسترد", st_verified: "تصدیق شدہ",
    dash_title: "کاریگر ڈیش بورڈ", dash_need_signin: "ڈیش بورڈ کے لیے اپنے کاریگر اکاؤنٹ سے سائن اِن کریں۔",
    dash_not_artisan: "یہ کاریگر اکاؤنٹ نہیں۔ میڈ اِن پاکستان ٹیم سے رابطہ کریں۔",
    dash_staff: "میڈ اِن پاکستان ٹیم کے رکن ہیں؟",
    ops_needs_staff: "انتظامی کاموں کے لیے تصدیقی ایپ ضروری ہے: عملے کے سائن اِن سے داخل ہوں اور اس کا 6 ہندسوں کا کوڈ لکھیں۔ ابھی تصدیقی ایپ نہیں؟ منتظم سے ترتیب دینے کو کہیں۔",
    tab_profile: "پروفائل", tab_listings: "اشیاء", tab_orders: "آرڈر", tab_payouts: "ادائیگیاں", tab_ops: "انتظامیہ",
    profile_title: "آپ کا پروفائل", display_name: "خریداروں کو دکھایا جانے والا نام", bio: "اپنا تعارف (انگریزی)", bio_ur: "اپنا تعارف (اردو)",
    phone_hint: "مثلاً ‎+923001234567", cnic: "شناختی کارڈ نمبر", cnic_hint: "13 ہندسے، مثلاً 35202-1234567-1۔ یہ دوبارہ کبھی نہیں دکھایا جاتا۔",
    cnic_on_file: "شناختی کارڈ نمبر محفوظ ہے۔ برقرار رکھنے کے لیے خالی چھوڑیں۔", save_profile: "پروفائل محفوظ کریں", saved: "محفوظ ہو گیا۔",
    verification: "تصدیق", verification_note: "ٹیم کا پیغام", profile_first: "پہلے اپنا پروفائل بنائیں۔",
    listings_title: "آپ کی اشیاء", new_listing: "نئی چیز", edit: "ترمیم", publish: "شائع کریں", unpublish: "شائع نہ کریں",
    archive: "ہٹا دیں", photos: "تصاویر", title_en: "نام (انگریزی)", title_ur: "نام (اردو)", description_en: "تفصیل (انگریزی)",
    description_ur: "تفصیل (اردو)", price_rs: "قیمت (روپے)", stock: "تعداد دستیاب", weight_g: "وزن (گرام)",
    processing_days: "تیاری اور روانگی کے دن", save_listing: "محفوظ کریں", cancel: "واپس", status: "کیفیت", actions: "اقدامات",
    no_listings: "ابھی کوئی چیز نہیں۔", photo_file: "تصویر (JPEG، PNG یا WebP)", upload: "تصویر بھیجیں", uploading: "بھیجی جا رہی ہے…",
    upload_progress: "بھیجنے کی پیش رفت", processing: "تصویر جانچی جا رہی ہے…", photo_ready: "تصویر تیار ہے۔",
    photo_rejected: "تصویر قبول نہیں ہوئی: {reason}", photo_timeout: "تصویر ابھی جانچی جا رہی ہے۔ ایک منٹ بعد صفحہ تازہ کریں۔",
    delete_photo: "تصویر ہٹائیں", not_publishable: "شائع کرنے کے لیے پروفائل کی تصدیق اور ایک تیار تصویر ضروری ہے۔",
    stale_version: "یہ چیز کہیں اور بدلی گئی۔ تازہ کر دی گئی ہے؛ اپنی تبدیلی دوبارہ کریں۔",
    reason_not_an_image: "تصویر نہیں", reason_unsupported_type: "یہ قسم قبول نہیں", reason_too_large: "بہت بڑی",
    reason_too_many_pixels: "بہت زیادہ پکسل", reason_corrupt: "خراب فائل",
    incoming_orders: "بھیجنے والے آرڈر", no_incoming: "ابھی کوئی آرڈر نہیں۔", ship: "روانہ کر دیا", carrier: "کوریئر",
    tracking_number: "ٹریکنگ نمبر", ship_to: "بھیجنے کا پتا", shipped_with: "{c} سے روانہ: {n}",
    payouts_title: "ادائیگیاں", balance: "بقایا", no_payouts: "ابھی کوئی ادائیگی نہیں۔", amount: "رقم", date: "تاریخ", order: "آرڈر",
    ops_queue: "تصدیق کے منتظر کاریگر", no_pending: "کوئی منتظر نہیں۔", approve: "منظور", reject: "مسترد",
    note: "پیغام", fx_title: "شرح مبادلہ (1 روپیہ =)", save_rates: "شرحیں محفوظ کریں", rates_updated: "تازہ کاری {t}",
    required: "ضروری ہے۔", invalid: "یہ خانہ دیکھیں۔", item: "چیز",
  },
};

const PROVINCES = {
  punjab: ["Punjab", "پنجاب"], sindh: ["Sindh", "سندھ"], khyber_pakhtunkhwa: ["Khyber Pakhtunkhwa", "خیبر پختونخوا"],
  balochistan: ["Balochistan", "بلوچستان"], islamabad: ["Islamabad", "اسلام آباد"],
  gilgit_baltistan: ["Gilgit-Baltistan", "گلگت بلتستان"], azad_kashmir: ["Azad Kashmir", "آزاد کشمیر"],
};
const CARRIERS = { tcs: ["TCS", "ٹی سی ایس"], leopards: ["Leopards", "لیپرڈز"], pakistan_post: ["Pakistan Post", "پاکستان پوسٹ"],
  dhl: ["DHL", "ڈی ایچ ایل"], other: ["Other", "دیگر"] };

const KEY = "mip.lang";

export function lang() {
  const stored = localStorage.getItem(KEY);
  return stored === "ur" || stored === "en" ? stored : "en";
}

export function setLang(value) {
  localStorage.setItem(KEY, value);
}

/** The UI string `key` in the current language, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = STRINGS[lang()][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export const provinceSlugs = Object.keys(PROVINCES);
export const carrierSlugs = Object.keys(CARRIERS);
export const provinceName = (slug) => (PROVINCES[slug] || [slug, slug])[lang() === "ur" ? 1 : 0];
export const carrierName = (slug) => (CARRIERS[slug] || [slug, slug])[lang() === "ur" ? 1 : 0];
export const statusName = (status) => t(`st_${status}`);
export const categoryName = (category) => (category ? (lang() === "ur" ? category.name_ur : category.name) : "");

/** Puts the page in the current language: <html lang dir>, then every [data-i18n] element's text. */
export function applyLanguage(root = document) {
  const current = lang();
  document.documentElement.lang = current;
  document.documentElement.dir = current === "ur" ? "rtl" : "ltr";
  for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll("[data-i18n-label]")) element.setAttribute("aria-label", t(element.dataset.i18nLabel));
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) element.placeholder = t(element.dataset.i18nPlaceholder);
}

export const STRING_KEYS = { en: Object.keys(STRINGS.en), ur: Object.keys(STRINGS.ur) };
