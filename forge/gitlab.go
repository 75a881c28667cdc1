package forge

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

type gitlabProject struct {
	PathWithNamespace string          `json:"path_with_namespace"`
	HTTPURLToRepo     string          `json:"http_url_to_repo"`
	Archived          bool            `json:"archived"`
	Visibility        string          `json:"visibility"`
	ForkedFrom        json.RawMessage `json:"forked_from_project"`
}

// gitlab lists a group's projects with its subgroups'. Pagination follows
// the Link header (keyset or offset) and falls back to X-Next-Page.
func (c *Client) gitlab(ctx context.Context, t Target) ([]Repo, error) {
	base, err := apiBase(t.BaseURL, "https://gitlab.com")
	if err != nil {
		return nil, fmt.Errorf("gitlab: %w", err)
	}
	q := url.Values{}
	q.Set("include_subgroups", "true")
	q.Set("with_shared", "false") // projects shared into the group live elsewhere
	q.Set("per_page", "100")
	q.Set("order_by", "id")
	q.Set("sort", "asc")
	u, err := url.Parse(base.String() + "/api/v4/groups/" + url.PathEscape(t.Name) + "/projects?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("gitlab %s: %w", t.Name, err)
	}
	auth := func(r *httpRequest) { r.Header.Set("PRIVATE-TOKEN", c.opts.Tokens[KindGitLab]) }
	var out []Repo
	for n := 0; u != nil; n++ {
		if n >= c.opts.MaxPages {
			return nil, fmt.Errorf("gitlab %s: more than %d pages", t.Name, c.opts.MaxPages)
		}
		p, err := c.get(ctx, KindGitLab, t.Name, u, auth)
		if err != nil {
			return nil, err
		}
		var list []gitlabProject
		if err := json.Unmarshal(p.body, &list); err != nil {
			return nil, fmt.Errorf("gitlab %s: unexpected response: %w", t.Name, err)
		}
		for _, r := range list {
			if r.PathWithNamespace == "" || r.HTTPURLToRepo == "" {
				continue
			}
			fork := len(r.ForkedFrom) > 0 && string(r.ForkedFrom) != "null"
			out = append(out, Repo{Name: r.PathWithNamespace, CloneURL: stripUserinfo(r.HTTPURLToRepo), Forge: KindGitLab,
				Fork: fork, Archived: r.Archived, Private: r.Visibility != "public"})
		}
		cur := u
		u = nil
		if next := nextLink(p.header); next != "" {
			if u, err = resolve(base, next); err != nil {
				return nil, fmt.Errorf("gitlab %s: %w", t.Name, err)
			}
		} else if np := p.header.Get("X-Next-Page"); np != "" {
			if _, err := strconv.Atoi(np); err != nil {
				return nil, fmt.Errorf("gitlab %s: bad X-Next-Page %q", t.Name, clip(np))
			}
			nu := *cur
			qq := nu.Query()
			qq.Set("page", np)
			nu.RawQuery = qq.Encode()
			u = &nu
		}
	}
	return out, nil
}
