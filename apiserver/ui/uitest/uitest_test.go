package uitest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func TestCheckPNG(t *testing.T) {
	enc := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	blank := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	busy := image.NewRGBA(image.Rect(0, 0, 300, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 300; x++ {
			busy.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	tiny := image.NewRGBA(image.Rect(0, 0, 10, 10))
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"busy", enc(busy), ""},
		{"blank", enc(blank), "blank"},
		{"tiny", enc(tiny), "too small"},
		{"not png", []byte("GIF89a"), "not a PNG"},
	} {
		err := CheckPNG(tc.data)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
