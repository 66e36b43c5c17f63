// Loaded before the Bootstrap Italia bundle. Its bundled video player would
// insert <style> elements at start-up, which the Content-Security-Policy
// refuses (no inline styles without a nonce); the site has no video players.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
