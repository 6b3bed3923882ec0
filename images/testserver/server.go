package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	maxBurn  = 60 * time.Second
	maxAlloc = 4096 // MiB per request
	mib      = 1 << 20
)

// server holds the handlers' state; ips is the seam for the host's addresses.
type server struct {
	pod string
	dir string
	ips func() []string

	mu   sync.Mutex
	held [][]byte // what /alloc holds
}

func newServer(pod, dir string, ips func() []string) *server {
	return &server{pod: pod, dir: dir, ips: ips}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.root)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("/burn", s.burn)
	mux.HandleFunc("/alloc", s.alloc)
	mux.HandleFunc("/free", s.free)
	mux.HandleFunc("/files", s.files)
	mux.HandleFunc("/files/", s.files)
	return mux
}

// interfaceIPs lists the non-loopback IP addresses of this network namespace.
func interfaceIPs() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			out = append(out, n.IP.String())
		}
	}
	sort.Strings(out)
	return out
}

type hello struct {
	Pod    string   `json:"pod"`
	IPs    []string `json:"ips"`
	Client string   `json:"client"`
}

// root answers who we are: text by default, JSON with ?format=json or
// "Accept: application/json".
func (s *server) root(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	h := hello{Pod: s.pod, IPs: s.ips(), Client: r.RemoteAddr}
	if h.IPs == nil {
		h.IPs = []string{}
	}
	if r.URL.Query().Get("format") == "json" || strings.Contains(r.Header.Get("Accept"), "application/json") {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(h)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "pod: %s\nips: %s\nclient: %s\n", h.Pod, strings.Join(h.IPs, ","), h.Client)
}

func intParam(r *http.Request, name string, max int) (int, error) {
	v, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%s must be a non-negative integer", name)
	}
	if v > max {
		return 0, fmt.Errorf("%s must be at most %d", name, max)
	}
	return v, nil
}

// burn spins one CPU for ?ms= milliseconds.
func (s *server) burn(w http.ResponseWriter, r *http.Request) {
	ms, err := intParam(r, "ms", int(maxBurn/time.Millisecond))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	start := time.Now()
	end := start.Add(time.Duration(ms) * time.Millisecond)
	x := uint64(1)
	for time.Now().Before(end) {
		for i := 0; i < 10000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
		if r.Context().Err() != nil {
			break
		}
	}
	fmt.Fprintf(w, "pod %s burned %d ms (%x)\n", s.pod, time.Since(start).Milliseconds(), x&0xf)
}

// alloc allocates ?mb= more MiB, touches every page so that it is resident,
// and keeps it until /free.
func (s *server) alloc(w http.ResponseWriter, r *http.Request) {
	mb, err := intParam(r, "mb", maxAlloc)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	b := make([]byte, mb*mib)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	s.mu.Lock()
	s.held = append(s.held, b)
	total := s.heldMiB()
	s.mu.Unlock()
	fmt.Fprintf(w, "pod %s holds %d MiB\n", s.pod, total)
}

func (s *server) free(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	freed := s.heldMiB()
	s.held = nil
	s.mu.Unlock()
	fmt.Fprintf(w, "pod %s freed %d MiB\n", s.pod, freed)
}

// heldMiB needs s.mu.
func (s *server) heldMiB() int {
	n := 0
	for _, b := range s.held {
		n += len(b)
	}
	return n / mib
}

// filePath maps the URL path under /files to a path inside s.dir; ".." cannot
// climb out because the path is cleaned as an absolute one first.
func (s *server) filePath(urlPath string) string {
	rel := path.Clean("/" + strings.TrimPrefix(urlPath, "/files"))
	return filepath.Join(s.dir, filepath.FromSlash(rel))
}

func (s *server) files(w http.ResponseWriter, r *http.Request) {
	p := s.filePath(r.URL.Path)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.getFile(w, r, p)
	case http.MethodPut, http.MethodPost:
		if strings.HasSuffix(r.URL.Path, "/") || p == filepath.Clean(s.dir) {
			http.Error(w, "PUT/POST needs a file name", http.StatusBadRequest)
			return
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		f, err := os.Create(p)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		n, err := io.Copy(f, r.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "wrote %d bytes to %s\n", n, p)
	case http.MethodDelete:
		if p == filepath.Clean(s.dir) {
			http.Error(w, "refusing to delete the files directory", http.StatusBadRequest)
			return
		}
		if err := os.RemoveAll(p); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "deleted %s\n", p)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, POST, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// getFile lists a directory (one name a line, "/" after directories) or
// serves a file.
func (s *server) getFile(w http.ResponseWriter, r *http.Request, p string) {
	st, err := os.Stat(p)
	if err != nil {
		if os.IsNotExist(err) {
			http.NotFound(w, r)
			return
		}
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if !st.IsDir() {
		http.ServeFile(w, r, p)
		return
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		fmt.Fprintln(w, name)
	}
}
