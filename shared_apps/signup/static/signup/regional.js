// The new agency's default time zone and format start as this browser's: the signup form's
// hidden fields take them (the server keeps only values on its lists, else UTC and en-GB).
document.addEventListener("DOMContentLoaded", () => {
  const zone = document.getElementById("id_time_zone");
  const locale = document.getElementById("id_locale");
  if (zone) zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  if (locale) locale.value = navigator.language || "";
});
