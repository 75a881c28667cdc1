package forge

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// codeupCentral is the Yunxiao OpenAPI's central endpoint
// (docs/providers.md §2.4).
const codeupCentral = "https://openapi-rdc.aliyuncs.com"

type codeupRepo struct {
	Name              string `json:"name"`
	Path              string `json:"path"`
	PathWithNamespace string `json:"pathWithNamespace"`
	WebURL            string `json:"webUrl"`
	HTTPURLToRepo     string `json:"httpUrlToRepo"`
	Archived          bool   `json:"archived"`
	Visibility        string `json:"visibility"`
}

// codeup lists an organisation's repositories through the Yunxiao OpenAPI
// (ListRepositories, header x-yunxiao-token). On the central endpoint the
// organisation id is in the path; on a region or dedicated endpoint the
// host names the tenant and the path has none. Pages are numbered
// (page, perPage up to 100); the next one comes from x-next-page, or, when
// the header is absent, follows a full page.
func (c *Client) codeup(ctx context.Context, t Target) ([]Repo, error) {
	base, err := apiBase(t.BaseURL, codeupCentral)
	if err != nil {
		return nil, fmt.Errorf("codeup: %w", err)
	}
	central := strings.Contains(base.Host, "openapi-rdc.aliyuncs.com") || t.BaseURL == ""
	p := "/oapi/v1/codeup/repositories"
	if central {
		p = "/oapi/v1/codeup/organizations/" + url.PathEscape(t.Name) + "/repositories"
	}
	const perPage = 100
	auth := func(r *httpRequest) { r.Header.Set("x-yunxiao-token", c.opts.Tokens[KindCodeup]) }
	var out []Repo
	for pageNo := 1; ; {
		if pageNo > c.opts.MaxPages {
			return nil, fmt.Errorf("codeup %s: more than %d pages", t.Name, c.opts.MaxPages)
		}
		u, err := url.Parse(fmt.Sprintf("%s%s?page=%d&perPage=%d&orderBy=created_at&sort=asc", base, p, pageNo, perPage))
		if err != nil {
			return nil, fmt.Errorf("codeup %s: %w", t.Name, err)
		}
		pg, err := c.get(ctx, KindCodeup, t.Name, u, auth)
		if err != nil {
			return nil, err
		}
		var list []codeupRepo
		if err := json.Unmarshal(pg.body, &list); err != nil {
			return nil, fmt.Errorf("codeup %s: unexpected response (want a JSON array): %w", t.Name, err)
		}
		for _, r := range list {
			clone := r.HTTPURLToRepo
			if clone == "" && r.WebURL != "" {
				clone = strings.TrimSuffix(r.WebURL, "/") + ".git"
			}
			name := r.PathWithNamespace
			if name == "" {
				name = r.Path
			}
			if name == "" || clone == "" {
				continue
			}
			out = append(out, Repo{Name: name, CloneURL: stripUserinfo(clone), Forge: KindCodeup,
				Archived: r.Archived, Private: r.Visibility != "public"})
		}
		next := strings.TrimSpace(pg.header.Get("x-next-page"))
		switch {
		case next != "":
			n, err := strconv.Atoi(next)
			if err != nil || n <= pageNo {
				return nil, fmt.Errorf("codeup %s: bad x-next-page %q after page %d", t.Name, clip(next), pageNo)
			}
			pageNo = n
		case pg.header.Get("x-total-pages") != "" || pg.header.Get("x-page") != "":
			return out, nil // paginated by headers, and none says there is more
		case len(list) == perPage:
			pageNo++
		default:
			return out, nil
		}
	}
}
