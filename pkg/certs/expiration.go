package certs

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"minik8s/pkg/pki"
)

// CheckExpiration prints kubeadm's `certs check-expiration` tables for the
// certificates under stateDir/pki (every *.crt below it, so nodes added
// later are listed too).
func CheckExpiration(stateDir string, now time.Time, out io.Writer) error {
	dir := PKIDir(stateDir)
	var leaves []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".crt") && p != filepath.Join(dir, "ca.crt") {
			rel, _ := filepath.Rel(dir, p)
			leaves = append(leaves, strings.TrimSuffix(rel, ".crt"))
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no PKI in %s: run `minik8s certs --state-dir %s` first", dir, stateDir)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	sort.Strings(leaves)
	ca, err := readCert(filepath.Join(dir, "ca.crt"))
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 10, 4, 3, ' ', 0)
	fmt.Fprintln(w, "CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED")
	for _, name := range leaves {
		c, err := readCert(filepath.Join(dir, name+".crt"))
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", name, expires(c), residual(c, now), "ca", "no")
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED")
	fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", "ca", expires(ca), residual(ca, now), "no")
	return w.Flush()
}

func readCert(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	c, err := pki.ParseCertPEM(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	return c, nil
}

func expires(c *x509.Certificate) string { return c.NotAfter.UTC().Format("Jan 02, 2006 15:04 MST") }

// residual is kubeadm's residual time: apimachinery's
// duration.ShortHumanDuration of the time left.
func residual(c *x509.Certificate, now time.Time) string {
	d := c.NotAfter.Sub(now)
	switch secs, hours := int(d.Seconds()), int(d.Hours()); {
	case secs < -1:
		return "<invalid>"
	case secs < 0:
		return "0s"
	case secs < 60:
		return fmt.Sprintf("%ds", secs)
	case secs < 3600:
		return fmt.Sprintf("%dm", secs/60)
	case hours < 24:
		return fmt.Sprintf("%dh", hours)
	case hours < 24*365:
		return fmt.Sprintf("%dd", hours/24)
	default:
		return fmt.Sprintf("%dy", hours/24/365)
	}
}
