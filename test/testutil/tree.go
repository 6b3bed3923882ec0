package testutil

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// FileTree lists the directories and files under dir, one per line in
// sorted order ("sub/" for a directory, "sub/f=contents" for a file), so
// that two copied trees compare as strings.
func FileTree(tb testing.TB, dir string) string {
	tb.Helper()
	var lines []string
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if info.IsDir() {
			lines = append(lines, rel+"/")
			return nil
		}
		b, err := os.ReadFile(p)
		lines = append(lines, rel+"="+string(b))
		return err
	})
	if err != nil {
		tb.Fatalf("walk %s: %v", dir, err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
