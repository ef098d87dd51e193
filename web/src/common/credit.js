// credit.js - the map credits the importers write (in English, as the store
// keeps them: "(c) OpenStreetMap contributors", "Demo data: fictional, made
// by geoEDITOR") in a page's language. The editor, the review app and the
// OGC API pages all show the base map's credit; each passes its own t(),
// whose table has credit_osm and credit_demo.
export function localCredit(credit, t) {
  return String(credit || '')
    .replace(/\(c\)/gi, '©')
    .replace(/OpenStreetMap contributors/g, t('credit_osm'))
    .replace(/Demo data: fictional, made by geoEDITOR/g, t('credit_demo'));
}
