package gen

import (
	"bytes"
	"go/format"
	"strings"
)

// groupImports splits the import block jennifer renders (one sorted list)
// into the standard library first and everything else after a blank line,
// as goimports and a careful person lay it out, then gofmts the result.
// Jennifer renders unformatted (File.NoFormat) so that each file is
// formatted once, here.
func groupImports(src []byte) ([]byte, error) {
	start := bytes.Index(src, []byte("\nimport (\n"))
	if start < 0 {
		return format.Source(src)
	}
	start += len("\nimport (\n")
	end := bytes.Index(src[start:], []byte("\n)\n"))
	if end < 0 {
		return format.Source(src)
	}
	end += start
	var std, other []string
	for line := range strings.SplitSeq(string(src[start:end]), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		path := line[strings.IndexByte(line, '"')+1:]
		if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
			other = append(other, line)
		} else {
			std = append(std, line)
		}
	}
	block := strings.Join(std, "\n")
	if len(std) > 0 && len(other) > 0 {
		block += "\n\n"
	}
	block += strings.Join(other, "\n")
	out := make([]byte, 0, len(src)+1)
	out = append(out, src[:start]...)
	out = append(out, block...)
	out = append(out, src[end:]...)
	return format.Source(out)
}
