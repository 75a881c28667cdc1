package rules

import (
	_ "embed"
	"fmt"
	"sync"

	"go.yaml.in/yaml/v3"
)

// samplesYAML is the list of published sample credentials (samples.yaml).
//
//go:embed samples.yaml
var samplesYAML []byte

// publishedSamples is the embedded list parsed once per process; the map
// is never modified after, so every Set and rule shares it.
// It comes from the generated form of samples.yaml (builtin_catalogue.go)
// unless built with the scour_yaml_catalogue tag.
var publishedSamples = sync.OnceValues(func() (map[string]string, error) {
	if generatedCatalogue {
		return generatedSamples(), nil
	}
	return loadSamples()
})

// loadSamples parses the embedded sample list into secret -> source.
func loadSamples() (map[string]string, error) {
	var doc struct {
		Samples []struct {
			Secret string `yaml:"secret"`
			Source string `yaml:"source"`
		} `yaml:"samples"`
	}
	if err := yaml.Unmarshal(samplesYAML, &doc); err != nil {
		return nil, fmt.Errorf("rules/samples.yaml: %w", err)
	}
	m := make(map[string]string, len(doc.Samples))
	for i, s := range doc.Samples {
		if s.Secret == "" || s.Source == "" {
			return nil, fmt.Errorf("rules/samples.yaml: sample #%d: secret and source are required", i+1)
		}
		m[s.Secret] = s.Source
	}
	return m, nil
}

// PublishedSample reports whether secret is a published sample credential
// (a vendor's documentation or SDK sample, rules/samples.yaml) and where it
// is published. Rules drop such matches themselves; layers that find
// secrets without a rule (generic assignments, decoded text) ask here.
func (s *Set) PublishedSample(secret string) (source string, ok bool) {
	samples, _ := publishedSamples() // NewSet checked the error
	source, ok = samples[secret]
	return source, ok
}
