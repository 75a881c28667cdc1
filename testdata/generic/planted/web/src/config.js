export const config = {
  endpoint: 'https://api.corp.example',
  apiKey: '4Lo72DqEgsg1BgLojRDEyWgNOmnECRTk',
};
