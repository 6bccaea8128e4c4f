package html

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// inlineSVG returns svg from its <svg> element on, for use inside HTML,
// after checking that it is well-formed XML with nothing that runs script:
// no script, foreignObject or style elements, no on* attributes, no
// javascript: or data: links. Graphviz's output passes; anything else that
// would not is refused rather than repaired.
func inlineSVG(svg []byte) ([]byte, error) {
	start := bytes.Index(svg, []byte("<svg"))
	if start < 0 {
		return nil, fmt.Errorf("%w: no <svg> element", ErrUnsafeSVG)
	}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnsafeSVG, err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch strings.ToLower(el.Name.Local) {
		case "script", "foreignobject", "style", "iframe", "object", "embed", "handler":
			return nil, fmt.Errorf("%w: it has a <%s> element", ErrUnsafeSVG, el.Name.Local)
		}
		for _, a := range el.Attr {
			name := strings.ToLower(a.Name.Local)
			value := strings.ToLower(strings.TrimSpace(a.Value))
			if strings.HasPrefix(name, "on") {
				return nil, fmt.Errorf("%w: it has an %s attribute", ErrUnsafeSVG, a.Name.Local)
			}
			if (name == "href" || name == "src") && (strings.HasPrefix(value, "javascript:") || strings.HasPrefix(value, "data:")) {
				return nil, fmt.Errorf("%w: it links to %.20q", ErrUnsafeSVG, a.Value)
			}
		}
	}
	return svg[start:], nil
}
