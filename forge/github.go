package forge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
)

type githubRepo struct {
	FullName string `json:"full_name"`
	CloneURL string `json:"clone_url"`
	Fork     bool   `json:"fork"`
	Archived bool   `json:"archived"`
	Private  bool   `json:"private"`
}

// github lists an organisation's repositories, or a user's when no
// organisation has the name (REST API, Link-header pagination). With a
// base URL it talks to GitHub Enterprise Server at <base>/api/v3.
func (c *Client) github(ctx context.Context, t Target) ([]Repo, error) {
	base, err := apiBase(t.BaseURL, "https://api.github.com")
	if err != nil {
		return nil, fmt.Errorf("github: %w", err)
	}
	if t.BaseURL != "" && (base.Path == "" || base.Path == "/") {
		base.Path = "/api/v3"
	}
	repos, err := c.githubPages(ctx, t, base, "/orgs/"+url.PathEscape(t.Name)+"/repos?per_page=100&type=all")
	if errors.Is(err, ErrNotFound) {
		repos, err = c.githubPages(ctx, t, base, "/users/"+url.PathEscape(t.Name)+"/repos?per_page=100&type=owner")
	}
	return repos, err
}

func (c *Client) githubPages(ctx context.Context, t Target, base *url.URL, first string) ([]Repo, error) {
	u, err := url.Parse(base.String() + first)
	if err != nil {
		return nil, fmt.Errorf("github %s: %w", t.Name, err)
	}
	auth := func(r *httpRequest) {
		r.Header.Set("Authorization", "Bearer "+c.opts.Tokens[KindGitHub])
		r.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	}
	var out []Repo
	for n := 0; u != nil; n++ {
		if n >= c.opts.MaxPages {
			return nil, fmt.Errorf("github %s: more than %d pages", t.Name, c.opts.MaxPages)
		}
		p, err := c.get(ctx, KindGitHub, t.Name, u, auth)
		if err != nil {
			return nil, err
		}
		var list []githubRepo
		if err := json.Unmarshal(p.body, &list); err != nil {
			return nil, fmt.Errorf("github %s: unexpected response: %w", t.Name, err)
		}
		for _, r := range list {
			if r.FullName == "" || r.CloneURL == "" {
				continue
			}
			out = append(out, Repo{Name: r.FullName, CloneURL: stripUserinfo(r.CloneURL), Forge: KindGitHub,
				Fork: r.Fork, Archived: r.Archived, Private: r.Private})
		}
		u = nil
		if next := nextLink(p.header); next != "" {
			if u, err = resolve(base, next); err != nil {
				return nil, fmt.Errorf("github %s: %w", t.Name, err)
			}
		}
	}
	return out, nil
}
