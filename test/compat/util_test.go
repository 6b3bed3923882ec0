package compat

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// doJSON POSTs a JSON body and fails on a non-2xx answer.
func doJSON(url, body string) ([]byte, error) {
	resp, err := http.Post(url, "application/json", bytes.NewBufferString(body))
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return b, fmt.Errorf("POST %s: %s: %s", url, resp.Status, b)
	}
	return b, nil
}
