// 한국어 주석 glffct-y2jVBY1yIr8UKapv6jjWe0tzc-O.3i05p15e4 끝
const feed = "glft-01D29FM1JkQx1dtoLx3yPnQjh_r.7e0l2um27";
const mail = 'glimt-Oy7XD9mayuolQtVn4PxnUnizAPV.l30153mak';
const agent = `glagent-kFZ7WapVqa-WRj_Lco9TzRWsL-l.hs061subj`;
const oauth = "gloas-0Ri3gC1EIjsIm93xXFl5TqkasUc.bq0zbzogp"; const scim = "glsoat-6XkgBy4b8kJ8cguY3eBd103WbvR.jt0nqfc31";
const r2 = "glpat-HcD2qUzQTbuumIvs532pQO5D73v.01.2d19rbcud";
