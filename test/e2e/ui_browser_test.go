package e2e

import "github.com/chromedp/chromedp"

// The web UI's browser test (issue 15) drives Debian's Chromium with chromedp.
var _ = chromedp.NewContext
