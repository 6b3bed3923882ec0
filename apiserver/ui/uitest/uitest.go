// Package uitest drives the web UI in Debian's Chromium, headless, with
// chromedp: the UI's own browser test (apiserver/ui) and the lab test
// (test/e2e/kubectl_ui_test.go) share it. It also checks screenshots.
package uitest

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is the browser binary: $MK8S_CHROMIUM, else chromium (or
// chromium-browser) on PATH; "" if there is none.
func ChromiumPath() string {
	if p := os.Getenv("MK8S_CHROMIUM"); p != "" {
		return p
	}
	for _, n := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

// Browser is a headless Chromium with one tab, and the page's console
// exceptions seen so far.
type Browser struct {
	Ctx context.Context
	// Dir is where Shot saves screenshots: $MK8S_UI_SCREENSHOTS, else
	// the test's temporary directory.
	Dir string
	tb  testing.TB
	mu  sync.Mutex
	exc []string
}

// New starts Chromium for tb (stopped at cleanup), or skips tb with a
// clear message when it is not installed (scripts/deps.sh installs it).
func New(tb testing.TB) *Browser {
	tb.Helper()
	path := ChromiumPath()
	if path == "" {
		tb.Skip("browser test: Chromium is not installed (scripts/deps.sh installs Debian's chromium; or set MK8S_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // as root
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(tb.TempDir()),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	tb.Cleanup(func() { cancel(); acancel() })
	b := &Browser{Ctx: ctx, Dir: os.Getenv("MK8S_UI_SCREENSHOTS"), tb: tb}
	if b.Dir == "" {
		b.Dir = tb.TempDir()
	} else if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == "error" {
				b.mu.Lock()
				b.exc = append(b.exc, m.String())
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// Errors is what the page reported as errors or uncaught exceptions.
func (b *Browser) Errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.exc...)
}

// Check fails the test with what and err (if err is not nil), naming the
// page's errors, after saving the page as failed.png in Dir.
func (b *Browser) Check(what string, err error) {
	b.tb.Helper()
	if err != nil {
		shot := filepath.Join(b.Dir, "failed.png")
		_ = b.Screenshot(b.Ctx, shot)
		b.tb.Fatalf("%s: %v; page errors: %v (screenshot %s)", what, err, b.Errors(), shot)
	}
}

// Poll waits up to d for the JavaScript expression to be truthy in the
// page, else fails the test (Check).
func (b *Browser) Poll(ctx context.Context, what, expr string, d time.Duration) {
	b.tb.Helper()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(100*time.Millisecond)))
	b.Check(what, err)
}

// Shot saves the page as name in Dir, checked (Screenshot), or fails
// the test.
func (b *Browser) Shot(ctx context.Context, name string) {
	b.tb.Helper()
	b.Check("screenshot "+name, b.Screenshot(ctx, filepath.Join(b.Dir, name)))
}

// Screenshot captures the viewport as PNG, checks it (CheckPNG) and
// writes it to path.
func (b *Browser) Screenshot(ctx context.Context, path string) error {
	data, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := CheckPNG(data); err != nil {
		return fmt.Errorf("screenshot %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	return nil
}

// CheckPNG says whether data is a PNG that decodes and is not blank: at
// least 100x100 and more than a few distinct colours.
func CheckPNG(data []byte) error {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not a PNG: %w", err)
	}
	bnd := img.Bounds()
	if bnd.Dx() < 100 || bnd.Dy() < 100 {
		return fmt.Errorf("%dx%d: too small", bnd.Dx(), bnd.Dy())
	}
	colours := map[[4]uint32]bool{}
	for y := bnd.Min.Y; y < bnd.Max.Y; y += 3 {
		for x := bnd.Min.X; x < bnd.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			colours[[4]uint32{r >> 8, g >> 8, bl >> 8, a >> 8}] = true
			if len(colours) > 16 {
				return nil
			}
		}
	}
	return fmt.Errorf("%dx%d: blank (%d colours)", bnd.Dx(), bnd.Dy(), len(colours))
}
