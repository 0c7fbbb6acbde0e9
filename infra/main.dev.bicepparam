// Parameters for the "dev" environment. No value is written here: each is read from an
// environment variable of the deploying shell (secrets from a secure store, never committed);
// see the README, "Deploying".
using './main.bicep'

param environmentName = 'dev'
param location = 'uksouth'
param containerImage = readEnvironmentVariable('WEXQS_IMAGE')
param entraAppClientId = readEnvironmentVariable('ENTRA_APP_CLIENT_ID')
param entraAppClientSecret = readEnvironmentVariable('ENTRA_APP_CLIENT_SECRET')
param teamsAppId = readEnvironmentVariable('TEAMS_APP_ID')
param graphDriveId = readEnvironmentVariable('GRAPH_DRIVE_ID')
param graphOrganiserUpn = readEnvironmentVariable('GRAPH_ORGANISER_UPN')
param graphAssessmentGroupId = readEnvironmentVariable('GRAPH_ASSESSMENT_GROUP_ID')
param sharePointLicenceBand = readEnvironmentVariable('SHAREPOINT_LICENCE_BAND', '0-1k')
param postgresAdminPassword = readEnvironmentVariable('PG_ADMIN_PASSWORD')
param linkSigningSecret = readEnvironmentVariable('LINK_SIGNING_SECRET')
param customDomain = readEnvironmentVariable('WEXQS_DOMAIN', '')
param minReplicas = 2
param maxReplicas = 3
param postgresSku = { name: 'Standard_B2s', tier: 'Burstable' }
param postgresHighAvailability = false
param logLevel = 'info'
