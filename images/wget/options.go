package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const usage = `Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]
	[--post-data STR | --post-file FILE] [-Y on/off]
	[--no-check-certificate] [-P DIR] [-U AGENT] [-T SEC] URL...

Retrieve files via HTTP

	--spider	Only check URL existence: $? is 0 if exists
	--header STR	Add STR (of form 'header: value') to headers
	--post-data STR	Send STR using POST method
	--post-file FILE	Send FILE using POST method
	--no-check-certificate	Don't validate the server's certificate
	-c		Continue retrieval of aborted transfer
	-q		Quiet
	-P DIR		Save to DIR (default .)
	-S    		Show server response
	-T SEC		Network read timeout is SEC seconds
	-O FILE		Save to FILE ('-' for stdout)
	-o LOGFILE	Log messages to FILE
	-U STR		Use STR for User-Agent header
	-Y on/off	Use proxy
`

// DefaultTimeout is busybox's network timeout without -T.
const DefaultTimeout = 900 * time.Second

// Options are a wget command line.
type Options struct {
	Continue       bool
	Quiet          bool
	ServerResponse bool
	Spider         bool
	Insecure       bool
	NoProxy        bool
	Output         string // -O: "-" is stdout, "" names the file after the URL
	LogFile        string
	Dir            string
	UserAgent      string
	Headers        []string
	PostData       *string
	PostFile       string
	Timeout        time.Duration
	URLs           []string
}

// option is one option: its short letter (0 for long only), long names and
// whether it takes an argument.
type option struct {
	short  byte
	long   []string
	hasArg bool
	set    func(o *Options, arg string) error
}

var options = []option{
	{'c', []string{"continue"}, false, func(o *Options, _ string) error { o.Continue = true; return nil }},
	{'q', []string{"quiet"}, false, func(o *Options, _ string) error { o.Quiet = true; return nil }},
	{'S', []string{"server-response"}, false, func(o *Options, _ string) error { o.ServerResponse = true; return nil }},
	{'O', []string{"output-document"}, true, func(o *Options, a string) error { o.Output = a; return nil }},
	{'o', []string{"output-file"}, true, func(o *Options, a string) error { o.LogFile = a; return nil }},
	{'P', []string{"directory-prefix"}, true, func(o *Options, a string) error { o.Dir = a; return nil }},
	{'U', []string{"user-agent"}, true, func(o *Options, a string) error { o.UserAgent = a; return nil }},
	{'T', []string{"timeout"}, true, setTimeout},
	{'t', []string{"tries"}, true, func(*Options, string) error { return nil }},
	{'Y', []string{"proxy"}, true, func(o *Options, a string) error { o.NoProxy = a == "off"; return nil }},
	{0, []string{"spider"}, false, func(o *Options, _ string) error { o.Spider = true; return nil }},
	{0, []string{"no-check-certificate"}, false, func(o *Options, _ string) error { o.Insecure = true; return nil }},
	{0, []string{"header"}, true, func(o *Options, a string) error { o.Headers = append(o.Headers, a); return nil }},
	{0, []string{"post-data"}, true, func(o *Options, a string) error { o.PostData = &a; return nil }},
	{0, []string{"post-file"}, true, func(o *Options, a string) error { o.PostFile = a; return nil }},
	{0, []string{"no-verbose", "passive-ftp", "no-cache"}, false, func(*Options, string) error { return nil }},
}

func setTimeout(o *Options, a string) error {
	n, err := strconv.ParseUint(a, 10, 32)
	if err != nil {
		return fmt.Errorf("invalid number '%s'", a)
	}
	o.Timeout = time.Duration(n) * time.Second
	return nil
}

func lookupShort(c byte) *option {
	for i := range options {
		if options[i].short == c {
			return &options[i]
		}
	}
	return nil
}

func lookupLong(name string) *option {
	for i := range options {
		for _, l := range options[i].long {
			if l == name {
				return &options[i]
			}
		}
	}
	return nil
}

// ParseArgs reads a command line as busybox's getopt32 does: grouped short
// options ("-qO-", "-T5", "-T 5"), long options ("--timeout=5",
// "--header STR"), "--" ending the options, and operands anywhere.
func ParseArgs(args []string) (Options, error) {
	o := Options{Timeout: DefaultTimeout}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			o.URLs = append(o.URLs, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			opt := lookupLong(name)
			if opt == nil {
				return Options{}, fmt.Errorf("unrecognized option '%s'", a)
			}
			if opt.hasArg && !hasVal {
				if i+1 >= len(args) {
					return Options{}, fmt.Errorf("option '--%s' requires an argument", name)
				}
				i++
				val = args[i]
			}
			if err := opt.set(&o, val); err != nil {
				return Options{}, err
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				opt := lookupShort(a[j])
				if opt == nil {
					return Options{}, fmt.Errorf("invalid option -- '%c'", a[j])
				}
				if !opt.hasArg {
					if err := opt.set(&o, ""); err != nil {
						return Options{}, err
					}
					continue
				}
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return Options{}, fmt.Errorf("option requires an argument -- '%c'", a[j])
					}
					i++
					val = args[i]
				}
				if err := opt.set(&o, val); err != nil {
					return Options{}, err
				}
				break
			}
		default:
			o.URLs = append(o.URLs, a)
		}
	}
	if len(o.URLs) == 0 {
		return Options{}, errors.New("no URL given")
	}
	return o, nil
}
